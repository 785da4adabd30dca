package sim

import (
	"fmt"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	v1helper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	resourcehelper "k8s.io/component-helpers/resource"
)

// doNotScheduleTaints is kube-scheduler's TaintToleration filter: only
// NoSchedule and NoExecute taints keep a pod off a node (PreferNoSchedule
// only lowers the score).
func doNotScheduleTaints(t *corev1.Taint) bool {
	return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
}

// Schedulable applies kube-scheduler's TaintToleration and NodeAffinity
// filters (not resources) to pod on node, with the helpers kube-scheduler
// uses. reason is kube-scheduler's wording when ok is false. err reports an
// invalid selector in the pod.
func Schedulable(pod *corev1.Pod, node *corev1.Node) (ok bool, reason string, err error) {
	// The comparison operators (Lt/Gt) sit behind an alpha feature gate; off,
	// as in a default cluster.
	if taint, untolerated := v1helper.FindMatchingUntoleratedTaint(logr.Discard(), node.Spec.Taints, pod.Spec.Tolerations, doNotScheduleTaints, false); untolerated {
		return false, fmt.Sprintf("node(s) had untolerated taint {%s: %s}", taint.Key, taint.Value), nil
	}
	match, err := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)
	if err != nil {
		return false, "", fmt.Errorf("node affinity: %w", err)
	}
	if !match {
		return false, "node(s) didn't match Pod's node affinity/selector", nil
	}
	return true, "", nil
}

// res is the part of a ResourceList the simulator tracks, in integer units
// so that fit checks are exact and cheap.
type res struct {
	milliCPU int64
	memory   int64
	pods     int64
}

func (a res) add(b res) res {
	return res{a.milliCPU + b.milliCPU, a.memory + b.memory, a.pods + b.pods}
}
func (a res) sub(b res) res {
	return res{a.milliCPU - b.milliCPU, a.memory - b.memory, a.pods - b.pods}
}

// fits is NodeResourcesFit's filter: requested + pod <= allocatable.
func (a res) fits(used, req res) bool {
	return used.milliCPU+req.milliCPU <= a.milliCPU &&
		used.memory+req.memory <= a.memory &&
		used.pods+req.pods <= a.pods
}

func resOf(rl corev1.ResourceList) res {
	q := func(name corev1.ResourceName) resource.Quantity { return rl[name] }
	cpu, mem, pods := q(corev1.ResourceCPU), q(corev1.ResourceMemory), q(corev1.ResourcePods)
	return res{milliCPU: cpu.MilliValue(), memory: mem.Value(), pods: pods.Value()}
}

// podRequests is what NodeResourcesFit counts for a pod: containers, init
// containers and overhead, via the helper kube-scheduler uses.
func podRequests(pod *corev1.Pod) res {
	r := resOf(resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{}))
	r.pods = 1
	return r
}

// Non-zero defaults kube-scheduler's scoring gives a container without
// requests (schedutil.DefaultMilliCPURequest, DefaultMemoryRequest), so
// request-less pods still spread.
const (
	defaultMilliCPURequest = 100
	defaultMemoryRequest   = 200 * 1024 * 1024
)

func scoringRequests(r res) res {
	if r.milliCPU == 0 {
		r.milliCPU = defaultMilliCPURequest
	}
	if r.memory == 0 {
		r.memory = defaultMemoryRequest
	}
	return r
}

// perNodeKeys are node labels whose value differs between nodes of one pool.
// A pod that selects on them defeats the per-pool predicate cache.
var perNodeKeys = map[string]bool{corev1.LabelHostname: true}

// needsPerNodeCheck reports whether pod's required placement could differ
// between two nodes stamped from the same pool template.
func needsPerNodeCheck(pod *corev1.Pod) bool {
	for k := range pod.Spec.NodeSelector {
		if perNodeKeys[k] {
			return true
		}
	}
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return false
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		if len(term.MatchFields) > 0 { // metadata.name is per node
			return true
		}
		for _, e := range term.MatchExpressions {
			if perNodeKeys[e.Key] {
				return true
			}
		}
	}
	return false
}
