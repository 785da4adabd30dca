package docker_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bloglabs/labs/labs/labimage"
	"github.com/bloglabs/labs/labs/runtime"
	"github.com/bloglabs/labs/labs/runtime/docker"
	"github.com/bloglabs/labs/labs/spec"
)

// Three replicas of the lab image, each running its init container, then a
// main container that exits at once: restarted twice, then given up.
func ExampleRuntime_Run() {
	ctx := context.Background()
	img, err := labimage.Build(ctx, labimage.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	rt := docker.New(docker.Options{Image: img.Tag, MaxRestarts: 2, BackoffInitial: 10 * time.Millisecond})
	defer rt.Close()
	d := spec.Deployment{Name: "demo", Replicas: 3,
		InitContainers: []spec.Container{{Name: "init", Command: []string{"demoapp", "version"}}},
		Container:      spec.Container{Name: "app", Command: []string{"demoapp", "version"}}}
	ctx, cancel := context.WithCancel(ctx)
	gaveUp := 0
	_ = rt.Run(ctx, d, func(e runtime.Event) {
		if e.Kind == runtime.GaveUp {
			if gaveUp++; gaveUp == d.Replicas {
				cancel()
			}
		}
	})
	fmt.Println(gaveUp, "replicas gave up")
}
