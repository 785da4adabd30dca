package engine

import (
	"context"
	"fmt"

	"github.com/bloglabs/posts/labs/report"
)

// Race deploys the demo app with every replica migrating on boot and no
// lock. It returns the result, and an error wrapping [ErrNotShown] when the
// race did not show (no crash, and the database as designed).
func Race(ctx context.Context, cfg Config) (*report.Result, error) {
	return show(ctx, cfg, oneDeployment{
		lab: "race", strategy: NoLock, db: "lab_race",
		deploying: "that each migrate on boot, no lock",
		verdict:   raceVerdict,
	})
}

// raceVerdict decides whether the race showed — a damaged database or a
// crash — and says what it did.
func raceVerdict(res *report.Result) (string, bool) {
	ran, ready, restarts := 0, 0, 0
	for _, r := range res.ReplicaOutcomes {
		if r.RanStep > 0 {
			ran++
		}
		if r.Ready {
			ready++
		}
		restarts += r.Restarts
	}
	switch {
	case !res.DBOK:
		return fmt.Sprintf("race reproduced — %d of %d replicas ran the one-time step (%d runs in all), %d crashes, %d of %d replicas ready; the database has %d problems",
			ran, res.Replicas, res.RunsOfStep, res.Crashes, ready, res.Replicas, len(res.DBProblems)), true
	case res.Crashes > 0:
		return fmt.Sprintf("race reproduced — %d crashes and %d restarts, though this time the database came out as designed", res.Crashes, restarts), true
	default:
		return fmt.Sprintf("no race this time: no replica crashed and the database is as designed (the step ran %d time(s)); widen the window with --backfill 3s, or add replicas", res.RunsOfStep), false
	}
}
