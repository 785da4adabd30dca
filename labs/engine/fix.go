package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/bloglabs/posts/labs/report"
	"github.com/bloglabs/posts/labs/runtimes"
)

// Fix deploys the demo app with `runonce --version V -- demoapp migrate` as
// its initContainer. It returns the result, and an error wrapping
// [ErrNotShown] unless the step ran exactly once, no replica crashed or hung,
// all became ready, and the database is exactly as designed.
func Fix(ctx context.Context, cfg Config) (*report.Result, error) {
	return show(ctx, cfg, oneDeployment{
		lab: "fix", strategy: Runonce, db: "lab_fix",
		deploying: "with runonce as initContainer",
		note:      " — the same window as lab:race",
		verdict:   fixVerdict,
	})
}

// fixVerdict decides whether the fix held — the step ran exactly once, no
// crash, no hang, every replica ready, the database as designed — and says
// who ran it and who skipped, or what went wrong.
func fixVerdict(res *report.Result) (string, bool) {
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
	if len(wrong) > 0 {
		return "not fixed — " + strings.Join(wrong, ", "), false
	}
	var ranBy []string
	skipped, waited := 0, 0
	for _, r := range res.ReplicaOutcomes {
		if r.RanStep > 0 {
			ranBy = append(ranBy, r.Name)
		}
		if r.Outcome == report.Skipped {
			skipped++
			if hasEvent(r.Events, string(runtimes.Waited)) {
				waited++
			}
		}
	}
	return fmt.Sprintf("fixed — %s ran the one-time step, once; the other %d skipped it (%d of them after waiting for the lock); all %d ready within %.2fs; the database is exactly as designed",
		strings.Join(ranBy, ", "), skipped, waited, res.Replicas, *res.SecondsToLastReady), true
}

func hasEvent(evs []report.Event, kind string) bool {
	for _, e := range evs {
		if e.Kind == kind {
			return true
		}
	}
	return false
}
