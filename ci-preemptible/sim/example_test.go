package sim_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// A tainted Spot pool next to an on-demand one: job pods that select and
// tolerate it land there, the web Deployment stays off it.
func ExampleRun() {
	const scenario = `
name: example
seed: 1
horizon: 48h
pools:
  - name: default
    provisioning: on-demand
    pricePerHour: 0.134
    allocatable: {cpu: "4", memory: 16Gi}
    min: 1
    max: 1
  - name: ci-spot
    provisioning: spot
    pricePerHour: 0.04
    allocatable: {cpu: "4", memory: 16Gi}
    min: 0
    max: 5
    nodeTaints: ["cloud.google.com/gke-spot=true:NoSchedule"]
    preemption: {perNodeDay: 0.5}
workloads:
  - name: ci
    runnerConfig: |
      concurrent = 20
      [[runners]]
        executor = "kubernetes"
        [runners.kubernetes]
          cpu_request = "1"
          [runners.kubernetes.node_selector]
            "cloud.google.com/gke-spot" = "true"
          [runners.kubernetes.node_tolerations]
            "cloud.google.com/gke-spot=true" = "NoSchedule"
    jobs:
      arrivals: {perHour: 30}
      duration: {distribution: exponential, mean: 10m}
      retry: {max: 2, when: [runner_system_failure]}
  - name: web
    deployment:
      spec:
        replicas: 2
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers: [{name: web, image: nginx, resources: {requests: {cpu: 500m}}}]
`
	sc, err := sim.ParseScenario([]byte(scenario), nil)
	if err != nil {
		log.Fatal(err)
	}
	r, err := sim.Run(context.Background(), sc, sim.Options{})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range r.Pools {
		fmt.Printf("%s: %d job pods, %d web pods\n", p.Name, p.JobPods, p.ServicePods)
	}
	fmt.Println("every job succeeded:", r.Succeeded == r.Jobs, "- lost:", r.Lost)
	// Output:
	// default: 0 job pods, 2 web pods
	// ci-spot: 1436 job pods, 0 web pods
	// every job succeeded: true - lost: 0
}

// Schedulable applies kube-scheduler's taint and affinity filters.
func ExampleSchedulable() {
	taint, _ := sim.ParseTaint("cloud.google.com/gke-preemptible=true:NoSchedule")
	node := &corev1.Node{Spec: corev1.NodeSpec{Taints: []corev1.Taint{taint}}}
	web := &corev1.Pod{}
	job := &corev1.Pod{Spec: corev1.PodSpec{
		Tolerations: sim.NodeTolerations(map[string]string{"cloud.google.com/gke-preemptible=true": "NoSchedule"}),
	}}
	for _, p := range []struct {
		name string
		pod  *corev1.Pod
	}{{"web", web}, {"job", job}} {
		ok, reason, _ := sim.Schedulable(p.pod, node)
		fmt.Println(strings.TrimSpace(fmt.Sprintln(p.name, ok, reason)))
	}
	// Output:
	// web false node(s) had untolerated taint {cloud.google.com/gke-preemptible: true}
	// job true
}
