package controlplane

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Node is a node for kwok to manage, with the given labels and taints added
// to the well-known labels a kubelet sets (kubernetes.io/hostname, os, arch)
// and kwok's marker annotation, and 4 CPUs, 16 GiB and 110 pods
// allocatable (change Status for other sizes). Create it with client-go or
// pass it in Options.Nodes; kwok makes it Ready within a second.
func Node(name string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	l := map[string]string{
		"kubernetes.io/hostname": name,
		"kubernetes.io/os":       "linux",
		"kubernetes.io/arch":     "amd64",
		"type":                   "kwok",
	}
	for k, v := range labels {
		l[k] = v
	}
	res := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("4"),
		corev1.ResourceMemory: resource.MustParse("16Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Labels:      l,
			Annotations: map[string]string{kwokNodeAnnotation: "fake"},
		},
		Spec:   corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{Allocatable: res, Capacity: res.DeepCopy()},
	}
}

// kwokNodeAnnotation marks the nodes kwok manages (with value "fake").
const kwokNodeAnnotation = "kwok.x-k8s.io/node"

// LabNodes are two nodes shaped like the workers of the labs' kind cluster
// (ci-preemptible/deploy/kind-cluster.yaml): kwok-general, labelled
// workload=general, and kwok-preemptible, labelled and tainted
// (NoSchedule) like a GKE preemptible node.
func LabNodes() []*corev1.Node {
	const preemptible = "cloud.google.com/gke-preemptible"
	return []*corev1.Node{
		Node("kwok-general", map[string]string{"workload": "general"}),
		Node("kwok-preemptible", map[string]string{"workload": "ci", preemptible: "true"},
			corev1.Taint{Key: preemptible, Value: "true", Effect: corev1.TaintEffectNoSchedule}),
	}
}
