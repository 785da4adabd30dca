package kubernetes_test

import (
	"fmt"

	"sigs.k8s.io/yaml"

	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
	"github.com/bloglabs/posts/labs/spec"
)

// A spec rendered as the Deployment the Kubernetes runtime applies.
func ExampleRender() {
	d := spec.Deployment{
		Name: "web", Replicas: 2,
		Container: spec.Container{Name: "app", Command: []string{"demoapp", "serve"}, Port: 8080,
			Env:       []spec.EnvVar{{Name: "GREETING", Value: "hello"}},
			Readiness: &spec.HTTPProbe{Path: "/readyz"}},
	}
	dep, secret, err := kubernetes.Render(d, kubernetes.RenderOptions{Image: "bloglabs/lab:83491acfbd34"})
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

// A runtime for the cluster of a kubeconfig's context, with pods reaching
// the lab's Postgres through a Service of the cluster.
func ExampleNew() {
	cfg, err := kubernetes.RESTConfig("", "minikube")
	if err != nil {
		fmt.Println(err)
		return
	}
	rt := kubernetes.New(kubernetes.Options{Config: cfg, Image: "registry.example.com/bloglabs/lab:83491acfbd34",
		PodPostgres: "postgres.labs.svc.cluster.local:5432"})
	fmt.Println(rt.Name())
}
