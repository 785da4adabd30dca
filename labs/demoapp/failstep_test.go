package demoapp_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bloglabs/posts/labs/demoapp"
	"github.com/bloglabs/posts/labs/demoapp/migrations"
)

// A step told to fail leaves nothing recorded as done: goose stops before
// version 3, no run of the step is counted, no seed row is written; the
// exit status is 3; and a run without the knob then migrates in full.
func TestFailStepLeavesNothingDone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	failing := b.cfg
	failing.FailStep = true
	err := demoapp.Migrate(ctx, failing, b.logger())
	if !errors.Is(err, migrations.ErrStepFailed) {
		t.Fatalf("Migrate with FailStep: got %v, want ErrStepFailed", err)
	}
	if code := demoapp.ExitCode(err); code != demoapp.ExitStepFailed {
		t.Errorf("ExitCode = %d, want %d", code, demoapp.ExitStepFailed)
	}
	in, err := demoapp.Inspect(ctx, b.dsn, true)
	if err != nil {
		t.Fatal(err)
	}
	if in.RunsOfStep != 0 || in.PlanRows != 0 || in.OK() {
		t.Errorf("after the failed step: runs=%d plans=%d ok=%v, want 0 runs, 0 plans, not ok", in.RunsOfStep, in.PlanRows, in.OK())
	}
	if err := demoapp.Migrate(ctx, b.cfg, b.logger()); err != nil {
		t.Fatalf("Migrate without FailStep: %v\n%s", err, b.log)
	}
	in, err = demoapp.Inspect(ctx, b.dsn, true)
	if err != nil {
		t.Fatal(err)
	}
	if !in.OK() || in.RunsOfStep != 1 || in.PlanRows != 3 {
		t.Errorf("after the retry: ok=%v runs=%d plans=%d problems=%q; want ok, 1 run, 3 plans", in.OK(), in.RunsOfStep, in.PlanRows, in.Problems)
	}
}

func TestFailStepFromEnvironment(t *testing.T) {
	t.Setenv("DEMOAPP_FAIL_STEP", "true")
	c, err := demoapp.ConfigFromEnv()
	if err != nil || !c.FailStep {
		t.Errorf("DEMOAPP_FAIL_STEP=true: FailStep=%v, err=%v; want true, nil", c.FailStep, err)
	}
	t.Setenv("DEMOAPP_FAIL_STEP", "yes please")
	if _, err := demoapp.ConfigFromEnv(); err == nil {
		t.Error("DEMOAPP_FAIL_STEP=\"yes please\": no error, want one naming the variable")
	}
}
