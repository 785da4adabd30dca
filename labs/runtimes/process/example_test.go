package process_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/process"
	"github.com/bloglabs/posts/labs/spec"
)

// Three replicas of a program that fails: each is restarted twice with
// back-off, then gives up.
func ExampleRuntime_Run() {
	rt := process.New(process.Options{RestartPolicy: runtimes.RestartPolicy{BackoffInitial: 10 * time.Millisecond, MaxRestarts: 2}})
	d := spec.Deployment{Name: "demo", Replicas: 3, Container: spec.Container{Name: "app", Command: []string{"false"}}}
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := 0
	_ = rt.Run(ctx, d, func(e runtimes.Event) {
		if e.Kind == runtimes.GaveUp {
			gaveUp++
			if gaveUp == d.Replicas {
				cancel()
			}
		}
	})
	fmt.Println(gaveUp, "replicas gave up")
	// Output: 3 replicas gave up
}
