package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/bloglabs/posts/labs/report"
)

// oneDeployment is what Race and Fix differ in: a lab of one deployment.
type oneDeployment struct {
	lab      string
	strategy Strategy
	// db names the lab's database (deploy adds a suffix).
	db string
	// deploying ends the progress line "deploying N replicas ...".
	deploying string
	// note ends the report's note on the widened window.
	note    string
	verdict func(*report.Result) (string, bool)
}

// show is the sequence Race and Fix share: deploy, judge, and return an
// error wrapping [ErrNotShown], with the result, when the lab did not show
// what it exists to show.
func show(ctx context.Context, cfg Config, l oneDeployment) (*report.Result, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c.Progress, "deploying %d replicas %s...\n", c.Replicas, l.deploying)
	res, err := deploy(ctx, c, 0, l.strategy, !c.NoCreateIndex, l.db)
	if err != nil {
		return nil, err
	}
	res.Lab = l.lab
	res.Notes = []string{widenedNote(c.Backfill) + l.note}
	res.Verdict, res.Showed = l.verdict(res)
	c.observe(Update{Kind: Deployed, Time: time.Now(), Deployment: res})
	if !res.Showed {
		return res, fmt.Errorf("%w: %s", ErrNotShown, res.Verdict)
	}
	return res, nil
}
