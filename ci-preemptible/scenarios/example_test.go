package scenarios_test

import (
	"fmt"
	"log"

	"github.com/bloglabs/posts/ci-preemptible/scenarios"
)

// Load resolves the scenario's references to ../deploy inside the binary.
func ExampleLoad() {
	sc, err := scenarios.Load("post-tainted")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sc.Title)
	for _, p := range sc.Pools {
		fmt.Println(p.Name, p.Provisioning, p.NodeTaints)
	}
	// Output:
	// preemptible pool: taint + selector + toleration
	// default on-demand []
	// ci-preemptible preemptible [cloud.google.com/gke-preemptible=true:NoSchedule]
}
