package engine

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/report"
	"github.com/bloglabs/posts/labs/runtimes"
)

func TestRecorderDerivesOutcomesFromEventsAndLines(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	r := newRecorder(4, func(i int) string { return []string{"ran", "skip", "crash", "hang"}[i] })
	told := observed(r)
	out := func(i, ms int, line string) runtimes.Event {
		return runtimes.Event{Time: at(ms), Replica: i, Kind: runtimes.Output, Stream: "stderr", Container: "migrate", Init: true, Detail: line}
	}
	ev := func(i, ms int, k runtimes.EventKind, init bool, code int) runtimes.Event {
		c := "app"
		if init {
			c = "migrate"
		}
		return runtimes.Event{Time: at(ms), Replica: i, Kind: k, Container: c, Init: init, ExitCode: code}
	}
	for _, e := range []runtimes.Event{
		{Time: t0, Replica: -1, Kind: runtimes.Released},
		// ran: runonce ran demoapp migrate, whose lines pass through.
		ev(0, 0, runtimes.Started, true, 0),
		out(0, 10, `level=INFO msg="one-time step started" event=ran step=seed-and-backfill`),
		out(0, 1500, `level=INFO msg=migrated event=migrated versions=1,2,3,4`),
		ev(0, 1510, runtimes.InitDone, true, 0),
		ev(0, 1520, runtimes.Started, false, 0),
		ev(0, 1600, runtimes.Ready, false, 0),
		// skip: runonce waited, then exited 0 without running its command.
		ev(1, 0, runtimes.Started, true, 0),
		out(1, 20, `time=x level=INFO msg="waiting for lock" name=demoapp-schema`),
		ev(1, 1520, runtimes.InitDone, true, 0),
		ev(1, 1600, runtimes.Ready, false, 0),
		// crash: twice the same error, then gave up.
		ev(2, 0, runtimes.Started, false, 0),
		out(2, 30, `level=ERROR msg=exiting event=error err="migrate: migration 4: ERROR: relation \"plans_name_key\" already exists (SQLSTATE 42P07)"`),
		ev(2, 40, runtimes.Crashed, false, 1),
		{Time: at(240), Replica: 2, Kind: runtimes.Restarted, Container: "app", Attempt: 1},
		out(2, 260, `level=ERROR msg=exiting event=error err="migrate: migration 4: ERROR: relation \"plans_name_key\" already exists (SQLSTATE 42P07)"`),
		ev(2, 270, runtimes.Crashed, false, 1),
		{Time: at(270), Replica: 2, Kind: runtimes.GaveUp},
		// hang: started its init and never came back.
		ev(3, 0, runtimes.Started, true, 0),
	} {
		r.sink(e)
	}
	if r.settled() {
		t.Fatal("settled with a replica still running")
	}
	r.finish(at(9000))
	reps := r.replicas(map[string]int{"ran": 1})
	for i, rep := range reps {
		got, _ := json.Marshal(told[i])
		want, _ := json.Marshal(rep.Events)
		if string(got) != string(want) {
			t.Errorf("%s: the observer was told\n%s\nwant the timeline's\n%s", rep.Name, got, want)
		}
	}
	want := []report.Outcome{report.Ran, report.Skipped, report.Crashed, report.Hung}
	for i, rep := range reps {
		if rep.Outcome != want[i] {
			t.Errorf("%s: outcome %s, want %s", rep.Name, rep.Outcome, want[i])
		}
	}
	if got := reps[0].SecondsToReady; got == nil || *got != 1.6 {
		t.Errorf("ran: seconds to ready %v, want 1.6", got)
	}
	if reps[2].Crashes != 2 || reps[2].Restarts != 1 {
		t.Errorf("crash: %d crashes %d restarts, want 2 and 1", reps[2].Crashes, reps[2].Restarts)
	}
	kinds := func(rep report.Replica) string {
		var ks []string
		for _, e := range rep.Events {
			k := e.Kind
			if e.Detail != "" {
				k += "(" + e.Detail + ")"
			}
			ks = append(ks, k)
		}
		return strings.Join(ks, " ")
	}
	for i, w := range []string{
		"ran(seed-and-backfill) migrated(v1,2,3,4) init-done ready",
		"waited(1.50s for the lock) skipped(init exit 0, step not run here) init-done ready",
		`crashed(migration 4: relation "plans_name_key" already exists (42P07)) restarted crashed(migration 4: relation "plans_name_key" already exists (42P07)) gave-up`,
		"hung(in init container migrate)",
	} {
		if got := kinds(reps[i]); got != w {
			t.Errorf("%s timeline:\n got %s\nwant %s", reps[i].Name, got, w)
		}
	}
}

func TestCleanReason(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`migrate: migration 1: ERROR: duplicate key value violates unique constraint "pg_type_typname_nsp_index" (SQLSTATE 23505)`: `migration 1: duplicate key value violates unique constraint "pg_type_typname_nsp_index" (23505)`,
		"  plain\n  text ":       "plain text",
		strings.Repeat("x", 200): strings.Repeat("x", 107) + "...",
	} {
		if got := cleanReason(in); got != want {
			t.Errorf("cleanReason(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStrategiesValidate(t *testing.T) {
	t.Parallel()
	for _, s := range Strategies {
		for _, ci := range []bool{true, false} {
			d, err := s.Deployment(Params{Replicas: 3, DSN: "postgres://x@localhost/db", Backfill: time.Second, CreateIndex: ci})
			if err != nil {
				t.Errorf("%s: %v", s, err)
			}
			if err := d.Validate(); err != nil {
				t.Errorf("%s: %v", s, err)
			}
			if d.Container.Readiness == nil || d.Container.Readiness.Path != "/readyz" {
				t.Errorf("%s: main container has no /readyz probe", s)
			}
			hasInit := len(d.InitContainers) > 0
			if wantInit := s == PostLockTable || s == Runonce; hasInit != wantInit {
				t.Errorf("%s: init containers %v, want %v", s, hasInit, wantInit)
			}
		}
	}
	d, _ := Runonce.Deployment(Params{Replicas: 3, DSN: "dsn", Backfill: time.Second})
	if got := strings.Join(d.InitContainers[0].Command, " "); got != "runonce --name demoapp-schema --version schema-v3 -- demoapp migrate" {
		t.Errorf("runonce command %q", got)
	}
}

// On kind a Deployment names its pods (demo-7c9d8f6b5-x2x4q), and the
// database records the step's runs under those names: the runtime's name
// wins over the spec's.
func TestRecorderTakesPodNamesFromTheRuntime(t *testing.T) {
	t.Parallel()
	t0 := time.Now()
	r := newRecorder(2, func(i int) string { return []string{"demo-0", "demo-1"}[i] })
	for _, e := range []runtimes.Event{
		{Time: t0, Replica: -1, Kind: runtimes.Released},
		{Time: t0, Replica: 0, Pod: "demo-7c9d8f6b5-x2x4q", Kind: runtimes.Started, Container: "app"},
		{Time: t0, Replica: 0, Pod: "demo-7c9d8f6b5-x2x4q", Kind: runtimes.Ready, Container: "app"},
		{Time: t0, Replica: 1, Kind: runtimes.GaveUp},
	} {
		r.sink(e)
	}
	reps := r.replicas(map[string]int{"demo-7c9d8f6b5-x2x4q": 1})
	if reps[0].Name != "demo-7c9d8f6b5-x2x4q" || reps[0].RanStep != 1 || reps[0].Outcome != report.Ran {
		t.Errorf("replica 0 = %+v; want the runtime's pod name, with the database's run", reps[0])
	}
	if reps[1].Name != "demo-1" {
		t.Errorf("replica 1 = %q; a replica the runtime never named keeps the spec's name", reps[1].Name)
	}
}

// observed makes r tell an observer, and returns the timelines it was told:
// each event at its index, a later one at the same index replacing it.
func observed(r *recorder) map[int][]report.Event {
	told := map[int][]report.Event{}
	r.tell = func(u Update) {
		if u.Kind != ReplicaEvent {
			return
		}
		evs := told[u.Replica]
		switch {
		case u.Index < len(evs):
			evs[u.Index] = *u.Event
		case u.Index == len(evs):
			evs = append(evs, *u.Event)
		default:
			panic(fmt.Sprintf("replica %d: told event %d after %d", u.Replica, u.Index, len(evs)))
		}
		told[u.Replica] = evs
	}
	return told
}
