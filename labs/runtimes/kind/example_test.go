package kind_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"

	"github.com/bloglabs/posts/labs/runtimes/kind"
	"github.com/bloglabs/posts/labs/spec"
)

// A spec rendered as the Deployment the kind runtime applies.
func ExampleRender() {
	d := spec.Deployment{
		Name: "web", Replicas: 2,
		Container: spec.Container{Name: "app", Command: []string{"demoapp", "serve"}, Port: 8080,
			Env:       []spec.EnvVar{{Name: "GREETING", Value: "hello"}},
			Readiness: &spec.HTTPProbe{Path: "/readyz"}},
	}
	dep, secret, err := kind.Render(d, kind.RenderOptions{Image: "bloglabs/lab:83491acfbd34"})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := dep.Spec.Template.Spec.Containers[0]
	fmt.Println(dep.Kind, dep.Name, *dep.Spec.Replicas, "replicas, secret:", secret != nil)
	b, _ := yaml.Marshal(c.ReadinessProbe)
	fmt.Print(string(b))
	// Output:
	// Deployment web 2 replicas, secret: false
	// failureThreshold: 3
	// httpGet:
	//   path: /readyz
	//   port: http
	// periodSeconds: 1
	// successThreshold: 1
	// timeoutSeconds: 1
}

// Before anything is created, the runtime says whether kind can run here.
func ExampleCheckHost() {
	if err := kind.CheckHost(context.Background()); errors.Is(err, kind.ErrHost) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
}

// The lab's cluster, created if it does not exist and kept.
func ExampleUp() {
	created, err := kind.Up(context.Background(), kind.RaceCluster(kind.DefaultCluster), 0, os.Stderr)
	fmt.Println(created, err)
}
