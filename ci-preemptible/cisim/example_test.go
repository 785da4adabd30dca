package cisim_test

import (
	"context"
	"log"
	"os"

	"github.com/bloglabs/posts/ci-preemptible/cisim"
)

// The embedded scenarios, as `go run ./ci-preemptible/cmd/cisim list` shows them.
func ExampleRun() {
	if err := cisim.Run(context.Background(), []string{"list"}, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
	// Output:
	// basement-box                 72-thread basement box, fixed cost
	// post-all-on-demand           all on-demand
	// post-taint-missing           taint missing: web pods on preemptible nodes
	// post-tainted                 preemptible pool: taint + selector + toleration
	// post-toleration-forgotten    toleration forgotten: jobs never schedule
	// spot-tainted                 Spot pool: taint + selector + toleration
}

// What `go tool mage lab:preemptible` calls: the table on stdout, the chart
// in a file.
func ExampleRunPreemptibleLab() {
	if err := cisim.RunPreemptibleLab(context.Background(), os.Stdout, "out/preemptible.svg"); err != nil {
		log.Fatal(err)
	}
}
