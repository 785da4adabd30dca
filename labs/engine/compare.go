package engine

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bloglabs/posts/labs/report"
)

// Compare deploys the demo app under every strategy, with and without the
// CREATE INDEX CONCURRENTLY step, each against a fresh database of the same
// server, and tabulates failures, double runs, hangs, time until the last
// replica is ready and peak connections. It returns an error wrapping
// [ErrNotShown] unless runonce was correct in both settings.
func Compare(ctx context.Context, cfg Config) (*report.Comparison, error) {
	c, err := cfg.withDefaults()
	if err != nil {
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
	total, n := 2*len(Strategies), 0
	for _, createIndex := range []bool{true, false} {
		for _, s := range Strategies {
			n++
			fmt.Fprintf(c.Progress, "compare %d/%d: %s, CREATE INDEX CONCURRENTLY %s... ", n, total, s.Label(), yesNo(createIndex))
			res, err := deploy(ctx, c, n-1, s, createIndex, compareDB(s, createIndex))
			if err != nil {
				return nil, err
			}
			res.Lab = "compare/" + string(s)
			c.observe(Update{Kind: Deployed, Run: n - 1, Time: time.Now(), Deployment: res})
			fmt.Fprintf(c.Progress, "%.1fs\n", res.Seconds)
			cmp.Rows = append(cmp.Rows, compareRow(s, res))
			cmp.Runs = append(cmp.Runs, *res)
		}
	}
	cmp.Verdict, cmp.Showed = compareVerdict(cmp.Rows)
	if !cmp.Showed {
		return cmp, fmt.Errorf("%w: %s", ErrNotShown, cmp.Verdict)
	}
	return cmp, nil
}

// compareDB names the database of one cell of the table.
func compareDB(s Strategy, createIndex bool) string {
	cic := "nocic"
	if createIndex {
		cic = "cic"
	}
	return "cmp_" + strings.ReplaceAll(string(s), "-", "_") + "_" + cic
}

// compareRow is one line of the table: res as the comparison counts it.
func compareRow(s Strategy, res *report.Result) report.Row {
	return report.Row{
		Strategy:           s.Label(),
		CreateIndex:        res.CreateIndex,
		Failures:           res.Crashes,
		DoubleRuns:         max(0, res.RunsOfStep-1),
		Hangs:              res.Hangs,
		SecondsToLastReady: res.SecondsToLastReady,
		PeakConnections:    res.PeakConnections,
		RunsOfStep:         res.RunsOfStep,
		DBOK:               res.DBOK,
		DBProblems:         res.DBProblems,
		Hang:               res.Hang,
	}
}

// rowStatus is a row in a word or two, for the verdict.
func rowStatus(r report.Row) string {
	switch {
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

// rowCorrect is what runonce must be in both settings: the step once, no
// failure, no hang, every replica ready, the database as designed.
func rowCorrect(r report.Row) bool {
	return r.Hangs == 0 && r.DBOK && r.Failures == 0 && r.RunsOfStep == 1 && r.SecondsToLastReady != nil
}

// compareVerdict summarises each strategy in both settings, and whether
// runonce was correct in both.
func compareVerdict(rows []report.Row) (string, bool) {
	var parts []string
	runonceOK, seen := true, 0
	for _, s := range Strategies {
		var cells []string
		for _, ci := range []bool{true, false} {
			for _, r := range rows {
				if r.Strategy != s.Label() || r.CreateIndex != ci {
					continue
				}
				cells = append(cells, rowStatus(r))
				if s == Runonce {
					seen++
					runonceOK = runonceOK && rowCorrect(r)
				}
			}
		}
		parts = append(parts, s.Label()+": "+strings.Join(cells, " / "))
	}
	v := strings.Join(parts, "; ") + " (with / without CREATE INDEX CONCURRENTLY)"
	if ratio := speedup(rows, Runonce, GooseLocker); ratio != "" {
		v += "; " + ratio
	}
	if !runonceOK || seen != 2 {
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

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
