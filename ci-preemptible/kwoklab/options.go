package kwoklab

import (
	"io"
	"time"
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
}
