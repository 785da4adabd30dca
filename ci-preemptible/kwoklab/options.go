package kwoklab

import (
	"io"
	"time"

	"github.com/bloglabs/posts/labs/live"
)

// Options configure [Run]. The zero value starts a local control plane and
// runs the post's four variants.
type Options struct {
	// Kubeconfig names the cluster to run on; its nodes for the lab are
	// created with kwok's annotation, so kwok must run against it. Empty
	// starts a local control plane (tools/controlplane) for the run.
	Kubeconfig string
	// Context is the kubeconfig's context. Defaults to its current one.
	Context string
	// Variants are embedded scenario names. Defaults to the post's four.
	Variants []string
	// JSON, when set, is where the results are written.
	JSON string
	// Timeout bounds each wait (the control plane's start, a variant's
	// run past its end). Defaults to 3m.
	Timeout time.Duration
	// Record, when set, is a folder where each variant's pods and nodes, as
	// the API server returns them, are written as YAML lists at the
	// preemption notice and at the end of the run
	// (<variant>/{landed,end}/{pods,nodes}.yaml): test fixtures taken from
	// a real control plane.
	Record string
	// Progress receives a line per step. Defaults to discarding.
	Progress io.Writer
	// Observe, when set, is told what the lab sees and does as it happens
	// (nodes joining and going, job pods created, bound, finished,
	// preempted and retried): the live view's [live.Server.Cluster]. It is
	// called from the lab's loop, so it must return at once.
	Observe func(live.ClusterEvent)
	// Results, when set, is given the variants' results at the end of
	// [Run], before they are printed.
	Results func([]*VariantResult)
}
