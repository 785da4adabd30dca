package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/report"
)

func ready(s float64) *float64 { return &s }

func TestRaceVerdict(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		res    report.Result
		showed bool
		prefix string
	}{
		{"damaged database", report.Result{Replicas: 3, DBOK: false, DBProblems: []string{"x"}, RunsOfStep: 3}, true, "race reproduced — "},
		{"crashes only", report.Result{Replicas: 3, DBOK: true, Crashes: 2, RunsOfStep: 1,
			ReplicaOutcomes: []report.Replica{{Restarts: 1}, {Restarts: 1}, {}}}, true, "race reproduced — 2 crashes and 2 restarts"},
		{"clean run", report.Result{Replicas: 3, DBOK: true, RunsOfStep: 1}, false, "no race this time"},
	} {
		v, showed := raceVerdict(&tc.res)
		if showed != tc.showed || !strings.HasPrefix(v, tc.prefix) {
			t.Errorf("%s: raceVerdict = %q, %v; want %q..., %v", tc.name, v, showed, tc.prefix, tc.showed)
		}
	}
}

func TestFixVerdict(t *testing.T) {
	t.Parallel()
	fixed := report.Result{Replicas: 3, DBOK: true, RunsOfStep: 1, SecondsToLastReady: ready(1.5),
		ReplicaOutcomes: []report.Replica{
			{Name: "demo-0", Outcome: report.Ran, RanStep: 1},
			{Name: "demo-1", Outcome: report.Skipped, Events: []report.Event{{Kind: "waited"}}},
			{Name: "demo-2", Outcome: report.Skipped},
		}}
	broken := func(f func(*report.Result)) report.Result { r := fixed; f(&r); return r }
	for _, tc := range []struct {
		name    string
		res     report.Result
		showed  bool
		verdict string
	}{
		{"fixed", fixed, true, "fixed — demo-0 ran the one-time step, once; the other 2 skipped it (1 of them after waiting for the lock); all 3 ready within 1.50s; the database is exactly as designed"},
		{"ran twice", broken(func(r *report.Result) { r.RunsOfStep = 2 }), false, "not fixed — the step ran 2 times"},
		{"crash", broken(func(r *report.Result) { r.Crashes = 1 }), false, "not fixed — 1 crashes"},
		{"hang, never ready", broken(func(r *report.Result) { r.Hangs, r.SecondsToLastReady = 1, nil }), false, "not fixed — 1 replicas hung, not every replica became ready"},
		{"damaged", broken(func(r *report.Result) { r.DBOK, r.DBProblems = false, []string{"a", "b"} }), false, "not fixed — the database has 2 problems"},
	} {
		v, showed := fixVerdict(&tc.res)
		if showed != tc.showed || v != tc.verdict {
			t.Errorf("%s: fixVerdict = %q, %v; want %q, %v", tc.name, v, showed, tc.verdict, tc.showed)
		}
	}
}

func TestCompareVerdict(t *testing.T) {
	t.Parallel()
	ok := func(s Strategy, ci bool, sec float64) report.Row {
		return report.Row{Strategy: s.Label(), CreateIndex: ci, DBOK: true, RunsOfStep: 1, SecondsToLastReady: ready(sec)}
	}
	good := []report.Row{ok(GooseLocker, true, 6), ok(Runonce, true, 1.5), ok(Runonce, false, 1.4),
		{Strategy: NoLock.Label(), CreateIndex: true, Failures: 3, RunsOfStep: 3}}
	for _, tc := range []struct {
		name   string
		rows   []report.Row
		showed bool
		want   string
	}{
		{"runonce correct both ways", good, true, "runonce's last replica was ready 4.0× sooner than goose session locker's"},
		{"runonce missing a setting", good[:2], false, "runonce was not correct in both settings"},
		{"runonce ran twice", append(good[:2:2], report.Row{Strategy: Runonce.Label(), DBOK: true, RunsOfStep: 2, SecondsToLastReady: ready(1)}), false, "runonce was not correct"},
		{"runonce hung", append(good[:2:2], report.Row{Strategy: Runonce.Label(), Hangs: 1, DBOK: true, RunsOfStep: 1}), false, "runonce: ok in 1.50s / hang"},
	} {
		v, showed := compareVerdict(tc.rows)
		if showed != tc.showed || !strings.Contains(v, tc.want) {
			t.Errorf("%s: compareVerdict = %q, %v; want one containing %q, %v", tc.name, v, showed, tc.want, tc.showed)
		}
	}
}

func TestEndingErr(t *testing.T) {
	t.Parallel()
	runFailed, watchFailed := errors.New("run failed"), errors.New("watch failed")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		e    ending
		want error // nil: no error
	}{
		{"settled", context.Background(), ending{}, nil},
		{"caller cancelled", cancelled, ending{runErr: runFailed}, context.Canceled},
		{"runtime failed on its own", context.Background(), ending{runReturned: true, runErr: runFailed, watchErr: watchFailed}, runFailed},
		{"runtime failed, nothing else", context.Background(), ending{runErr: runFailed}, runFailed},
		{"watcher failed first; runtime only cancelled", context.Background(), ending{runErr: context.Canceled, watchErr: watchFailed}, watchFailed},
	} {
		err := tc.e.err(tc.ctx, "process")
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// The report's note says the one-time step is slowed on purpose only when
// it is: a --backfill too short to widen the window says so instead.
func TestWidenedNote(t *testing.T) {
	for _, tc := range []struct {
		backfill  time.Duration
		want, not string
	}{
		{1500 * time.Millisecond, "is slowed to 1.5s on purpose: it widens the race window", "too short"},
		{10 * time.Millisecond, "takes 10ms here (--backfill): too short to widen the race window", "on purpose"},
	} {
		n := widenedNote(tc.backfill)
		if !strings.Contains(n, tc.want) || strings.Contains(n, tc.not) {
			t.Errorf("widenedNote(%s) = %q; want %q and no %q", tc.backfill, n, tc.want, tc.not)
		}
	}
}
