package docker_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/docker"
	"github.com/bloglabs/posts/labs/spec"
)

// Three replicas of the lab image, each running its init container, then a
// main container that exits at once: restarted twice, then given up.
func ExampleRuntime_Run() {
	ctx := context.Background()
	img, err := appimage.Build(ctx, appimage.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	rt := docker.New(docker.Options{Image: img.Tag, RestartPolicy: runtimes.RestartPolicy{MaxRestarts: 2, BackoffInitial: 10 * time.Millisecond}})
	defer rt.Close()
	d := spec.Deployment{Name: "demo", Replicas: 3,
		InitContainers: []spec.Container{{Name: "init", Command: []string{"demoapp", "version"}}},
		Container:      spec.Container{Name: "app", Command: []string{"demoapp", "version"}}}
	ctx, cancel := context.WithCancel(ctx)
	gaveUp := 0
	_ = rt.Run(ctx, d, func(e runtimes.Event) {
		if e.Kind == runtimes.GaveUp {
			if gaveUp++; gaveUp == d.Replicas {
				cancel()
			}
		}
	})
	fmt.Println(gaveUp, "replicas gave up")
}
