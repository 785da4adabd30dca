package live

import "time"

// ClusterEvent is something a lab on a Kubernetes cluster saw or did, for
// labs whose story is nodes and pods rather than replicas (the preemptible
// lab on the real scheduler): the page draws each variant's nodes, by pool,
// with the job pods landing on them, the preemptions and the retries.
type ClusterEvent struct {
	// Variant is the scenario being run; a new one starts a new panel.
	Variant string      `json:"variant"`
	Kind    ClusterKind `json:"kind"`
	// T is when, in seconds since the variant's start.
	T       float64 `json:"t"`
	Node    string  `json:"node,omitempty"`
	Pool    string  `json:"pool,omitempty"`
	Tainted bool    `json:"tainted,omitempty"`
	Pod     string  `json:"pod,omitempty"`
	Job     int     `json:"job,omitempty"`
	Attempt int     `json:"attempt,omitempty"`
	// Detail is the variant's title (ClusterVariant), kube-scheduler's
	// reason (ClusterUnschedulable), a service pod's workload
	// (ClusterService) or the variant's outcome (ClusterVariantEnd).
	Detail string `json:"detail,omitempty"`
}

// ClusterKind says what a [ClusterEvent] is.
type ClusterKind string

// The cluster events, roughly in the order a variant produces them.
const (
	ClusterVariant       ClusterKind = "variant"        // a variant starts: Detail is its title
	ClusterNode          ClusterKind = "node"           // a node joins its pool
	ClusterPod           ClusterKind = "pod"            // a job pod is created (Attempt > 1: a retry)
	ClusterBound         ClusterKind = "bound"          // the scheduler bound it to Node
	ClusterUnschedulable ClusterKind = "unschedulable"  // the scheduler cannot place it: Detail says why
	ClusterSucceeded     ClusterKind = "succeeded"      // its job ran its time
	ClusterFailed        ClusterKind = "failed"         // it failed on its own
	ClusterNotice        ClusterKind = "notice"         // Node's preemption notice: cordoned
	ClusterPreempted     ClusterKind = "preempted"      // the pod failed with its node
	ClusterNodeGone      ClusterKind = "node-gone"      // the preempted VM is gone: the node is deleted
	ClusterService       ClusterKind = "service"        // a Deployment's pod (Detail: its workload) is on Node
	ClusterServiceKilled ClusterKind = "service-killed" // it failed with its node
	ClusterVariantEnd    ClusterKind = "variant-end"    // the variant is over: Detail is its outcome
)

// TypeCluster is a [ClusterEvent]'s message.
const TypeCluster MessageType = "cluster"

// Cluster publishes a cluster lab's event; like [Server.Observe], it
// returns at once whatever the browsers do.
func (s *Server) Cluster(ev ClusterEvent) {
	s.hub.Publish(Message{Type: TypeCluster, Cluster: &ev, Time: float64(time.Now().UnixMicro()) / 1000})
}

// EndTable publishes a lab's result as a table (nil when it did not run)
// and its error, and ends the run's stream.
func (s *Server) EndTable(t *Table, err error) {
	m := Message{Type: TypeEnd, Table: t}
	if err != nil {
		m.Error = err.Error()
	}
	s.hub.Publish(m)
	s.hub.Close()
}
