package kindlab

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"

	"github.com/bloglabs/posts/internal/kube"
)

// State is where a pod of a Row stands, as the table prints it.
type State string

// The states of a Row.
const (
	StateRunning  State = "running"
	StateStarting State = "starting"  // scheduled, containers not running yet
	StatePending  State = "pending"   // not scheduled
	StateLost     State = "lost"      // on a node that is not Ready or is gone
	StateFailed   State = "failed"    // phase Failed
	StateDone     State = "succeeded" // phase Succeeded
	StateStopping State = "terminating"
)

// States are every State, in the order above.
func States() []State {
	return []State{StateRunning, StateStarting, StatePending, StateLost, StateFailed, StateDone, StateStopping}
}

// Pool is the kind of node a Row's pod is on, as the table prints it.
type Pool string

// The pools of a Row.
const (
	PoolPreemptible  Pool = "preemptible"
	PoolOrdinary     Pool = "ordinary"
	PoolControlPlane Pool = "control plane"
)

// Workload is what a Row's pod is for, as the table prints it.
type Workload string

// The workloads of a Row, in the table's order.
const (
	WorkloadJob       Workload = "job"
	WorkloadRetry     Workload = "job retry"
	WorkloadForgotten Workload = "job, toleration forgotten"
	WorkloadWeb       Workload = "web"
	WorkloadOther     Workload = "other"
)

// Workloads are every Workload, in the table's order.
func Workloads() []Workload {
	return []Workload{WorkloadJob, WorkloadRetry, WorkloadForgotten, WorkloadWeb, WorkloadOther}
}

// Row is where one pod is, and why.
type Row struct {
	Pod      string
	Workload Workload
	// Node is the node the pod was bound to, "" when none.
	Node string
	// Pool is the node's: PoolPreemptible (it has the GKE label),
	// PoolControlPlane or PoolOrdinary; "" when the pod has no node.
	Pool  Pool
	State State
	// Why explains a state other than running: kube-scheduler's message for
	// a pending pod, the node's condition for a lost one, the kubelet's
	// reason for a failed or starting one.
	Why string
}

// Summarize says where each pod is and why, from pods and nodes as the API
// server returns them; it reads nothing else, so it is tested from recorded
// objects. Rows are sorted by workload, then pod name.
func Summarize(pods []corev1.Pod, nodes []corev1.Node) []Row {
	byName := map[string]*corev1.Node{}
	for i := range nodes {
		byName[nodes[i].Name] = &nodes[i]
	}
	rows := make([]Row, 0, len(pods))
	for i := range pods {
		p := &pods[i]
		r := Row{Pod: p.Name, Workload: workload(p), Node: p.Spec.NodeName}
		n := byName[p.Spec.NodeName]
		if n != nil {
			r.Pool = pool(n)
		}
		switch {
		case p.Status.Phase == corev1.PodFailed:
			r.State, r.Why = StateFailed, joinNonEmpty(": ", p.Status.Reason, p.Status.Message)
		case p.Status.Phase == corev1.PodSucceeded:
			r.State = StateDone
		case p.Spec.NodeName == "":
			r.State, r.Why = StatePending, kube.SchedulerReason(p)
		case n == nil:
			r.State, r.Why = StateLost, "node "+p.Spec.NodeName+" is gone"
		case !kube.NodeReady(n):
			r.State, r.Why = StateLost, "node not Ready: "+nodeNotReadyReason(n)
		case p.DeletionTimestamp != nil:
			r.State = StateStopping
		case p.Status.Phase == corev1.PodRunning:
			r.State = StateRunning
		default:
			r.State, r.Why = StateStarting, waitingReason(p)
		}
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(slices.Index(Workloads(), a.Workload), slices.Index(Workloads(), b.Workload)), strings.Compare(a.Pod, b.Pod))
	})
	return rows
}

// Settled reports whether every row is in a state the lab can report: the
// pod runs, has ended, is lost with its node, or is pending with the
// scheduler's reason. A pod still being created, or not yet looked at by
// the scheduler, is not settled.
func Settled(rows []Row) bool {
	for _, r := range rows {
		switch r.State {
		case StateRunning, StateFailed, StateDone, StateLost:
		case StatePending:
			if r.Why == "" {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// WriteTable prints rows as an aligned table.
func WriteTable(w io.Writer, rows []Row) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  pod\tworkload\tnode\tpool\tstate\twhy")
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", r.Pod, r.Workload, dash(r.Node), dash(string(r.Pool)), r.State, r.Why)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	// The last column is empty for running pods: no trailing blanks.
	var out strings.Builder
	for line := range strings.Lines(buf.String()) {
		out.WriteString(strings.TrimRight(line, " \n") + "\n")
	}
	if _, err := io.WriteString(w, out.String()); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// Check is what the lab expects of rows, as sentences naming each surprise:
// job pods (and retries) on a preemptible node or pending, web pods never on
// one, a job without its toleration never on one. None when all is as
// expected.
func Check(rows []Row) []string {
	var out []string
	for _, r := range rows {
		switch {
		case r.Workload == WorkloadWeb && r.Pool == PoolPreemptible:
			out = append(out, fmt.Sprintf("web pod %s is on the preemptible node %s: is the taint missing?", r.Pod, r.Node))
		case r.Workload == WorkloadForgotten && r.Node != "":
			out = append(out, fmt.Sprintf("job pod %s without toleration was placed on %s", r.Pod, r.Node))
		case (r.Workload == WorkloadJob || r.Workload == WorkloadRetry) && r.Node != "" && r.Pool != PoolPreemptible:
			out = append(out, fmt.Sprintf("job pod %s is on %s, not on a preemptible node: is the nodeSelector missing?", r.Pod, r.Node))
		}
	}
	return out
}

func workload(p *corev1.Pod) Workload {
	switch {
	case p.Labels["app"] == "web":
		return WorkloadWeb
	case Variant(p.Labels[LabelVariant]) == VariantRetry:
		return WorkloadRetry
	case p.Labels["pod"] == "runner-job" || p.Labels[LabelVariant] != "":
		if !tolerates(p) {
			return WorkloadForgotten
		}
		return WorkloadJob
	default:
		return WorkloadOther
	}
}

// tolerates reports whether p tolerates the preemptible taint (any value).
func tolerates(p *corev1.Pod) bool {
	for _, t := range p.Spec.Tolerations {
		if (t.Key == PreemptibleKey || (t.Key == "" && t.Operator == corev1.TolerationOpExists)) &&
			(t.Effect == "" || t.Effect == corev1.TaintEffectNoSchedule) {
			return true
		}
	}
	return false
}

func pool(n *corev1.Node) Pool {
	if n.Labels[PreemptibleKey] == "true" {
		return PoolPreemptible
	}
	if _, ok := n.Labels["node-role.kubernetes.io/control-plane"]; ok {
		return PoolControlPlane
	}
	return PoolOrdinary
}

// nodeNotReadyReason is the node controller's words, "Kubelet stopped
// posting node status." after a preemption.
func nodeNotReadyReason(n *corev1.Node) string {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return joinNonEmpty(": ", string(c.Status), strings.TrimSpace(c.Message))
		}
	}
	return "no Ready condition"
}

// waitingReason is the first waiting container's reason (ContainerCreating,
// ErrImagePull).
func waitingReason(p *corev1.Pod) string {
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil {
			return joinNonEmpty(": ", w.Reason, firstLine(w.Message))
		}
	}
	return string(p.Status.Phase)
}

func joinNonEmpty(sep string, parts ...string) string {
	return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), sep)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(s)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
