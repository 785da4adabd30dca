package contract

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/spec"
)

// server is the actor serving HTTP on 8080 with a readiness probe; it
// prints "serving POD holder=POD", the second from $(POD_NAME).
func server() spec.Container {
	return spec.Container{Name: "app", Command: []string{Actor, "serve"}, Port: 8080,
		Env:       []spec.EnvVar{{Name: "HOLDER", Value: "holder=$(POD_NAME)"}},
		Readiness: &spec.HTTPProbe{Path: "/readyz"}}
}

// The replicas are released together: one Released event, before any
// start, and no replica starts before it; each becomes ready under a name
// of its own, and sees that name in POD_NAME and $(POD_NAME).
func releasedTogether(t *testing.T, target Target) {
	d := spec.Deployment{Name: "together", Replicas: 5, Container: server()}
	rt := target.New(t, Config{MaxRestarts: 1})
	rec := NewRecorder()
	RunUntil(t, rt, d, rec, target.Timeout, readyAndServing(rec, d.Replicas, target.NoContainers == ""))

	evs := rec.Events()
	if evs[0].Kind != runtimes.Released || evs[0].Replica != -1 {
		t.Fatalf("first event %s of replica %d, want released of replica -1; events:\n%s", evs[0].Kind, evs[0].Replica, rec.Dump())
	}
	if n := rec.Count(runtimes.Released); n != 1 {
		t.Errorf("%d released events, want 1", n)
	}
	released := evs[0].Time
	names := map[string]int{}
	for i := range d.Replicas {
		if got, want := rec.Story(i), "started/app ready/app"; got != want {
			t.Errorf("replica %d:\n got %s\nwant %s", i, got, want)
			continue
		}
		first := rec.Of(i)[0]
		names[first.Pod]++
		switch {
		case target.StartsAtRelease && !first.Time.Equal(released):
			t.Errorf("replica %d started at %v, want the release instant %v", i, first.Time, released)
		case first.Time.Before(released):
			t.Errorf("replica %d started at %v, before the release at %v", i, first.Time, released)
		}
	}
	for name, n := range names {
		if name == "" || n != 1 {
			t.Errorf("pod name %q used by %d replicas, want a name of its own for each", name, n)
		}
	}
	if target.NoContainers == "" {
		checkServing(t, rec, d.Replicas)
	}
}

// readyAndServing holds once n replicas are ready and, when serving is
// set, have written their serving line. Ready is the probe's word and the
// line the log's: on a real node the log stream can deliver the line after
// the probe passed (seen under -race in CI), so a run waits for both.
func readyAndServing(rec *Recorder, n int, serving bool) func() bool {
	return func() bool {
		return rec.Count(runtimes.Ready) >= n && (!serving || len(servingLines(rec)) >= n)
	}
}

// servingLines are the replicas' "serving" lines, by replica.
func servingLines(rec *Recorder) map[int]runtimes.Event {
	lines := map[int]runtimes.Event{}
	for _, e := range rec.Events() {
		if e.Kind == runtimes.Output && strings.HasPrefix(e.Detail, "serving ") {
			lines[e.Replica] = e
		}
	}
	return lines
}

// checkServing wants each replica's "serving" line to name its pod twice.
func checkServing(t *testing.T, rec *Recorder, replicas int) {
	t.Helper()
	seen := servingLines(rec)
	for _, e := range seen {
		if want := fmt.Sprintf("serving %s holder=%s", e.Pod, e.Pod); e.Detail != want {
			t.Errorf("replica %d wrote %q, want POD_NAME and $(POD_NAME) expanded: %q", e.Replica, e.Detail, want)
		}
	}
	if len(seen) != replicas {
		t.Errorf("%d replicas wrote their serving line, want %d; events:\n%s", len(seen), replicas, rec.Dump())
	}
}

// A main container that exits is a crash: restarted MaxRestarts times,
// then the pod gives up. Each crash says how (exit 3) and why (its last
// line, "boom").
func crashLoopThenGiveUp(t *testing.T, target Target) {
	d := spec.Deployment{Name: "crash", Replicas: 2, Container: spec.Container{Name: "app", Command: []string{Actor, "crash"}}}
	rt := target.New(t, Config{MaxRestarts: 2})
	rec := NewRecorder()
	RunUntil(t, rt, d, rec, target.Timeout, func() bool { return rec.Count(runtimes.GaveUp) >= d.Replicas })

	for i := range d.Replicas {
		want := "started/app crashed/app restarted/app crashed/app restarted/app crashed/app gave-up"
		if got := rec.Story(i); got != want {
			t.Errorf("replica %d:\n got %s\nwant %s", i, got, want)
			continue
		}
		restarts := 0
		for _, e := range rec.Of(i) {
			switch e.Kind {
			case runtimes.Crashed:
				if e.ExitCode != 3 || !strings.Contains(e.Detail, "boom") {
					t.Errorf("replica %d crash: exit %d, detail %q; want exit 3 and boom", i, e.ExitCode, e.Detail)
				}
			case runtimes.Restarted:
				if restarts++; e.Attempt != restarts {
					t.Errorf("replica %d restart %d is attempt %d, want %d", i, restarts, e.Attempt, restarts)
				}
			}
		}
	}
}

// An init container that fails while what it waits for is not up is
// restarted until it succeeds; then the main container starts and becomes
// ready. The gate it waits for is on this machine's loopback: the runtime
// routes the replicas to it, as to the lab's Postgres.
func initRestartsThenReady(t *testing.T, target Target) {
	g := newGate(t, 2)
	d := spec.Deployment{Name: "initwait", Replicas: 2, Container: server(),
		InitContainers: []spec.Container{{Name: "wait", Command: []string{Actor, "await"},
			Env: []spec.EnvVar{{Name: "AWAIT_URL", Value: "http://" + g.addr + "/$(POD_NAME)"}}}}}
	rt := target.New(t, Config{MaxRestarts: 5, Backends: []runtimes.Backend{{Name: "gate", Addr: g.addr}}})
	rec := NewRecorder()
	RunUntil(t, rt, d, rec, target.Timeout, readyAndServing(rec, d.Replicas, true))

	// The gate answers "not yet" to a pod's first two tries; on a slow
	// runtime an attempt can come and go between them (a real kubelet's
	// back-off, a relay still starting), so two crashes are the least.
	want := regexp.MustCompile(`^started/wait( crashed/wait restarted/wait){2,} init-done/wait started/app ready/app$`)
	for i := range d.Replicas {
		if got := rec.Story(i); !want.MatchString(got) {
			t.Errorf("replica %d:\n got %s\nwant %s", i, got, want)
		}
		for _, e := range rec.Of(i) {
			if e.Kind == runtimes.Crashed && (e.ExitCode != 1 || !strings.Contains(e.Detail, "not yet") || !e.Init) {
				t.Errorf("replica %d init crash: exit %d, detail %q, init %v; want exit 1, not yet, init", i, e.ExitCode, e.Detail, e.Init)
			}
		}
	}
	checkServing(t, rec, d.Replicas)
}

// A program the image (or PATH) does not have is a crash whose reason
// names it, restarted like any other until the pod gives up.
func missingProgram(t *testing.T, target Target) {
	d := spec.Deployment{Name: "missing", Replicas: 2, Container: spec.Container{Name: "app", Command: []string{"no-such-program"}}}
	rt := target.New(t, Config{MaxRestarts: 1})
	rec := NewRecorder()
	RunUntil(t, rt, d, rec, target.Timeout, func() bool { return rec.Count(runtimes.GaveUp) >= d.Replicas })

	for i := range d.Replicas {
		evs := rec.Of(i)
		crashes := 0
		for _, e := range evs {
			switch e.Kind {
			case runtimes.Crashed:
				crashes++
				if e.ExitCode == 0 || !strings.Contains(e.Detail, "no-such-program") || !strings.Contains(e.Detail, "not found") {
					t.Errorf("replica %d crash: exit %d, detail %q; want a failure that says no-such-program was not found", i, e.ExitCode, e.Detail)
				}
			case runtimes.Ready:
				t.Errorf("replica %d became ready without its program", i)
			}
		}
		if crashes == 0 || evs[len(evs)-1].Kind != runtimes.GaveUp {
			t.Errorf("replica %d: %s; want crashes, then gave-up", i, rec.Story(i))
		}
	}
}
