package simlab_test

import (
	"context"
	"log"
	"os"

	"github.com/bloglabs/posts/ci-preemptible/simlab"
)

// The embedded scenarios, as `go run ./ci-preemptible/cmd/cisim list` shows them.
func ExampleList() {
	if err := simlab.List(os.Stdout); err != nil {
		log.Fatal(err)
	}
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

// What `go tool mage lab:preemptible` calls: the table on stdout, the chart
// in a file.
func ExampleSimulate() {
	if err := simlab.Simulate(context.Background(), os.Stdout, simlab.Options{SVG: "out/preemptible.svg"}); err != nil {
		log.Fatal(err)
	}
}
