package app_test

import (
	"context"
	"os"

	"github.com/bloglabs/posts/ci-preemptible/cmd/cisim/app"
	"github.com/bloglabs/posts/internal/cli"
)

// The embedded scenarios, as `go run ./ci-preemptible/cmd/cisim list` shows
// them: what main.go does, in process.
func ExampleRun() {
	err := app.Run(context.Background(), cli.Streams{Out: os.Stdout, Err: os.Stderr}, []string{"list"})
	cli.Report(os.Stderr, "cisim", err)
	// Output:
	// basement-box                 72-thread basement box, fixed cost
	// post-all-on-demand           all on-demand
	// post-old-runner              preemptible pool, runner that reports preemption as script_failure
	// post-same-budget             same budget: the savings spent on a larger preemptible pool
	// post-taint-missing           taint missing: web pods on preemptible nodes
	// post-tainted                 preemptible pool: taint + selector + toleration
	// post-toleration-forgotten    toleration forgotten: jobs never schedule
	// spot-tainted                 Spot pool: taint + selector + toleration
}
