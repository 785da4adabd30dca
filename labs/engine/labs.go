package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bloglabs/posts/labs/report"
)

func widenedNote(backfill time.Duration) string {
	n := fmt.Sprintf("the one-time step (seed the plans, backfill accounts) is slowed to %s on purpose: it widens the race window so the race shows on every run, not one run in ten", backfill)
	if backfill < minWindow {
		n += fmt.Sprintf(" (below %s it may not: replicas that collide creating goose_db_version retry 1 s later and may find the step done)", minWindow)
	}
	return n
}

// Race deploys the demo app with every replica migrating on boot and no
// lock. It returns the result, and an error wrapping [ErrNotShown] when the
// race did not show (no crash, and the database as designed).
func Race(ctx context.Context, cfg Config) (*report.Result, error) {
	c := cfg.withDefaults(DefaultBackfill)
	if err := c.check(); err != nil {
		return nil, err
	}
	fmt.Fprintf(c.Progress, "deploying %d replicas that each migrate on boot, no lock...\n", c.Replicas)
	res, err := deploy(ctx, c, NoLock, !c.NoCreateIndex, "lab_race")
	if err != nil {
		return nil, err
	}
	res.Lab = "race"
	res.Notes = []string{widenedNote(c.Backfill)}
	ran, ready := 0, 0
	for _, r := range res.ReplicaOutcomes {
		if r.RanStep > 0 {
			ran++
		}
		if r.Ready {
			ready++
		}
	}
	res.Showed = !res.DBOK || res.Crashes > 0
	if res.Showed {
		res.Verdict = fmt.Sprintf("race reproduced — %d of %d replicas ran the one-time step (%d runs in all), %d crashes, %d of %d replicas ready; the database has %d problems",
			ran, res.Replicas, res.RunsOfStep, res.Crashes, ready, res.Replicas, len(res.DBProblems))
		if res.DBOK {
			res.Verdict = fmt.Sprintf("race reproduced — %d crashes and %d restarts, though this time the database came out as designed", res.Crashes, restarts(res))
		}
		return res, nil
	}
	res.Verdict = fmt.Sprintf("no race this time: no replica crashed and the database is as designed (the step ran %d time(s)); widen the window with --backfill 3s, or add replicas", res.RunsOfStep)
	return res, fmt.Errorf("%w: %s", ErrNotShown, res.Verdict)
}

// Fix deploys the demo app with `runonce --version V -- demoapp migrate` as
// its initContainer. It returns the result, and an error wrapping
// [ErrNotShown] unless the step ran exactly once, no replica crashed or hung,
// all became ready, and the database is exactly as designed.
func Fix(ctx context.Context, cfg Config) (*report.Result, error) {
	c := cfg.withDefaults(DefaultBackfill)
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.RunonceMissing != nil {
		return nil, fmt.Errorf("lab: fix needs runonce: %w", c.RunonceMissing)
	}
	fmt.Fprintf(c.Progress, "deploying %d replicas with runonce as initContainer...\n", c.Replicas)
	res, err := deploy(ctx, c, Runonce, !c.NoCreateIndex, "lab_fix")
	if err != nil {
		return nil, err
	}
	res.Lab = "fix"
	res.Notes = []string{widenedNote(c.Backfill) + " — the same window as lab:race"}
	var ranBy []string
	skipped, waited := 0, 0
	for _, r := range res.ReplicaOutcomes {
		if r.RanStep > 0 {
			ranBy = append(ranBy, r.Name)
		}
		if r.Outcome == report.Skipped {
			skipped++
			for _, e := range r.Events {
				if e.Kind == "waited" {
					waited++
					break
				}
			}
		}
	}
	var wrong []string
	if res.RunsOfStep != 1 {
		wrong = append(wrong, fmt.Sprintf("the step ran %d times", res.RunsOfStep))
	}
	if res.Crashes > 0 {
		wrong = append(wrong, fmt.Sprintf("%d crashes", res.Crashes))
	}
	if res.Hangs > 0 {
		wrong = append(wrong, fmt.Sprintf("%d replicas hung", res.Hangs))
	}
	if res.SecondsToLastReady == nil {
		wrong = append(wrong, "not every replica became ready")
	}
	if !res.DBOK {
		wrong = append(wrong, fmt.Sprintf("the database has %d problems", len(res.DBProblems)))
	}
	res.Showed = len(wrong) == 0
	if res.Showed {
		res.Verdict = fmt.Sprintf("fixed — %s ran the one-time step, once; the other %d skipped it (%d of them after waiting for the lock); all %d ready within %.2fs; the database is exactly as designed",
			strings.Join(ranBy, ", "), skipped, waited, res.Replicas, *res.SecondsToLastReady)
		return res, nil
	}
	res.Verdict = "not fixed — " + strings.Join(wrong, ", ")
	return res, fmt.Errorf("%w: %s", ErrNotShown, res.Verdict)
}

// Compare deploys the demo app under every strategy, with and without the
// CREATE INDEX CONCURRENTLY step, each against a fresh database of the same
// server, and tabulates failures, double runs, hangs, time until the last
// replica is ready and peak connections. It returns an error wrapping
// [ErrNotShown] unless runonce was correct in both settings.
func Compare(ctx context.Context, cfg Config) (*report.Comparison, error) {
	c := cfg.withDefaults(DefaultCompareBackfill)
	if err := c.check(); err != nil {
		return nil, err
	}
	cmp := &report.Comparison{
		Lab: "compare", Runtime: c.Runtime.Name(), Postgres: c.Postgres.Describe(),
		Replicas: c.Replicas, Backfill: c.Backfill.Seconds(),
		Rows: []report.Row{}, Runs: []report.Result{},
		Notes: []string{
			widenedNote(c.Backfill),
			fmt.Sprintf("a CREATE INDEX CONCURRENTLY that waits %s for transactions that cannot end is reported as a hang, and its run cut short", c.HangAfter),
		},
	}
	total := 2 * len(Strategies)
	n := 0
	for _, createIndex := range []bool{true, false} {
		for _, s := range Strategies {
			n++
			row := report.Row{Strategy: s.Label(), CreateIndex: createIndex}
			if s == Runonce && c.RunonceMissing != nil {
				row.Skipped = c.RunonceMissing.Error()
				cmp.Rows = append(cmp.Rows, row)
				fmt.Fprintf(c.Progress, "compare %d/%d: %s, CREATE INDEX CONCURRENTLY %s: not run (%v)\n", n, total, s.Label(), yesNo(createIndex), c.RunonceMissing)
				continue
			}
			fmt.Fprintf(c.Progress, "compare %d/%d: %s, CREATE INDEX CONCURRENTLY %s... ", n, total, s.Label(), yesNo(createIndex))
			db := fmt.Sprintf("cmp_%s_%s", strings.ReplaceAll(string(s), "-", "_"), map[bool]string{true: "cic", false: "nocic"}[createIndex])
			res, err := deploy(ctx, c, s, createIndex, db)
			if err != nil {
				return nil, err
			}
			res.Lab = "compare/" + string(s)
			fmt.Fprintf(c.Progress, "%.1fs\n", res.Seconds)
			row.Failures = res.Crashes
			row.DoubleRuns = max(0, res.RunsOfStep-1)
			row.Hangs = res.Hangs
			row.SecondsToLastReady = res.SecondsToLastReady
			row.PeakConnections = res.PeakConnections
			row.RunsOfStep = res.RunsOfStep
			row.DBOK = res.DBOK
			row.DBProblems = res.DBProblems
			row.Hang = res.Hang
			cmp.Rows = append(cmp.Rows, row)
			cmp.Runs = append(cmp.Runs, *res)
		}
	}
	cmp.Verdict, cmp.Showed = compareVerdict(cmp.Rows)
	if !cmp.Showed {
		return cmp, fmt.Errorf("%w: %s", ErrNotShown, cmp.Verdict)
	}
	return cmp, nil
}

// compareVerdict summarises each strategy in both settings, and whether
// runonce was correct in both.
func compareVerdict(rows []report.Row) (string, bool) {
	status := func(r report.Row) string {
		switch {
		case r.Skipped != "":
			return "not run"
		case r.Hangs > 0:
			return "hang"
		case !r.DBOK:
			return "damaged"
		case r.Failures > 0:
			return fmt.Sprintf("%d failures", r.Failures)
		case r.SecondsToLastReady == nil:
			return "not all ready"
		default:
			return fmt.Sprintf("ok in %.2fs", *r.SecondsToLastReady)
		}
	}
	var parts []string
	runonceOK, seen := true, 0
	for _, s := range Strategies {
		var cells []string
		for _, ci := range []bool{true, false} {
			for _, r := range rows {
				if r.Strategy == s.Label() && r.CreateIndex == ci {
					cells = append(cells, status(r))
					if s == Runonce {
						seen++
						if r.Skipped != "" || r.Hangs > 0 || !r.DBOK || r.Failures > 0 || r.RunsOfStep != 1 || r.SecondsToLastReady == nil {
							runonceOK = false
						}
					}
				}
			}
		}
		parts = append(parts, s.Label()+": "+strings.Join(cells, " / "))
	}
	v := strings.Join(parts, "; ") + " (with / without CREATE INDEX CONCURRENTLY)"
	if seen != 2 {
		runonceOK = false
	}
	if ratio := speedup(rows, Runonce, GooseLocker); ratio != "" {
		v += "; " + ratio
	}
	if !runonceOK {
		return "runonce was not correct in both settings — " + v, false
	}
	return v, true
}

// speedup quotes a's last-ready time as a ratio to b's, with the index step.
func speedup(rows []report.Row, a, b Strategy) string {
	var ta, tb *float64
	for _, r := range rows {
		if !r.CreateIndex || r.SecondsToLastReady == nil || !r.DBOK || r.Hangs > 0 {
			continue
		}
		switch r.Strategy {
		case a.Label():
			ta = r.SecondsToLastReady
		case b.Label():
			tb = r.SecondsToLastReady
		}
	}
	if ta == nil || tb == nil || *ta <= 0 {
		return ""
	}
	return fmt.Sprintf("%s's last replica was ready %.1f× sooner than %s's", a.Label(), *tb / *ta, b.Label())
}

func (c Config) check() error {
	if c.Runtime == nil || c.Postgres == nil {
		return fmt.Errorf("lab: Config needs a Runtime and a Postgres")
	}
	return nil
}

func restarts(r *report.Result) int {
	n := 0
	for _, x := range r.ReplicaOutcomes {
		n += x.Restarts
	}
	return n
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
