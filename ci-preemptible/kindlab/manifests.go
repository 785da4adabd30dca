package kindlab

import (
	"fmt"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/bloglabs/posts/ci-preemptible/deploy"
	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// PreemptibleKey is the label GKE puts on preemptible nodes, and the key of
// the taint the lab's pool carries (ci-preemptible/deploy).
const PreemptibleKey = "cloud.google.com/gke-preemptible"

// LabelVariant marks the lab's pods with what they are: VariantJob,
// VariantForgotten or VariantRetry (the web pods carry app=web).
const LabelVariant = "lab.bloglabs.dev/variant"

// Variant is which job pod of the lab a pod is, the value of its
// LabelVariant.
type Variant string

// The variants of a job pod.
const (
	// VariantJob is job-pod.yaml as it is: selector and toleration.
	VariantJob Variant = "job"
	// VariantForgotten is job-pod.yaml without its toleration: the
	// selector still sends it to the tainted node, which refuses it.
	VariantForgotten Variant = "toleration-forgotten"
	// VariantRetry is GitLab's retry of a job whose pod died with its node:
	// the same pod again, created after the preemption.
	VariantRetry Variant = "retry"
)

// Variants are every Variant, in the order above.
func Variants() []Variant { return []Variant{VariantJob, VariantForgotten, VariantRetry} }

// JobPod is the job pod of ci-preemptible/deploy/job-pod.yaml, decoded
// strictly, named name, in variant VariantJob, VariantRetry, or
// VariantForgotten (every toleration of PreemptibleKey removed; the
// nodeSelector kept).
func JobPod(name string, variant Variant) (*corev1.Pod, error) {
	data, err := deploy.FS.ReadFile("job-pod.yaml")
	if err != nil {
		return nil, fmt.Errorf("job pod: %w", err)
	}
	obj, err := sim.DecodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("job-pod.yaml: %w", err)
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, fmt.Errorf("job-pod.yaml: want a Pod, got %T", obj)
	}
	switch variant {
	case VariantJob, VariantRetry:
	case VariantForgotten:
		pod.Spec.Tolerations = slices.DeleteFunc(pod.Spec.Tolerations, func(t corev1.Toleration) bool {
			return t.Key == PreemptibleKey || (t.Key == "" && t.Operator == corev1.TolerationOpExists)
		})
	default:
		return nil, fmt.Errorf("job pod: unknown variant %q", variant)
	}
	pod.Name, pod.Namespace = name, ""
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[LabelVariant] = string(variant)
	return pod, nil
}

// WebDeployment is ci-preemptible/deploy/web-deployment.yaml, decoded
// strictly, without a namespace: a workload with no selector and no
// toleration, which only the taint keeps off the preemptible node.
func WebDeployment() (*appsv1.Deployment, error) {
	data, err := deploy.FS.ReadFile("web-deployment.yaml")
	if err != nil {
		return nil, fmt.Errorf("web deployment: %w", err)
	}
	obj, err := sim.DecodeObject(data)
	if err != nil {
		return nil, fmt.Errorf("web-deployment.yaml: %w", err)
	}
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		return nil, fmt.Errorf("web-deployment.yaml: want a Deployment, got %T", obj)
	}
	d.Namespace = ""
	return d, nil
}
