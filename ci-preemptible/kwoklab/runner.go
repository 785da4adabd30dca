package kwoklab

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"github.com/bloglabs/posts/ci-preemptible/sim"
	"github.com/bloglabs/posts/internal/kube"
	"github.com/bloglabs/posts/labs/live"
)

// attempt is one job pod as the lab's runner sees it.
type attempt struct {
	job, try  int
	workload  *sim.Workload
	duration  time.Duration
	name      string
	created   time.Duration // since the run's start
	started   time.Duration // first seen bound; -1 before
	finished  time.Duration // first seen Succeeded
	node      string
	pool      string
	done      bool // succeeded
	failed    bool // failed: preempted (by the lab) or otherwise
	preempted bool
	reason    string // kube-scheduler's message while it waits
}

// liveNode is a node the lab created.
type liveNode struct {
	pool     *sim.Pool
	seq      int
	name     string
	gone     bool
	cordoned bool // the preemption notice came
}

// step is something the lab does at a time of the run: the preemption's
// phases, a replacement VM's arrival.
type step struct {
	at   time.Duration
	what stepKind
	node *liveNode
}

// stepKind is what a step does.
type stepKind string

// The steps of a preemption.
const (
	stepNotice stepKind = "notice" // the node is cordoned; kill and gone are queued
	stepKill   stepKind = "kill"   // graceful shutdown ends: the node's pods fail
	stepGone   stepKind = "gone"   // the VM is gone: the node is deleted
	stepBoot   stepKind = "boot"   // the replacement joins
)

// runner drives one variant on a cluster: it plays GitLab and
// gitlab-runner (job pods created on the trace's schedule, retried as
// GitLab's retry rule says) and the cloud (nodes preempted and recreated),
// while the real scheduler places pods and kwok runs them.
type runner struct {
	cs       kubernetes.Interface
	ns       string
	runID    string
	sc       *sim.Scenario
	shape    Shape
	progress io.Writer
	every    time.Duration
	// recordDir, when set, receives the pods and nodes at the preemption
	// notice (landed/) and at the end (end/).
	recordDir string
	// watch is Options.Observe, never nil.
	watch func(live.ClusterEvent)

	t0       time.Time
	nodes    []*liveNode
	seq      map[string]int // per pool: the last node number
	attempts []*attempt
	byName   map[string]*attempt
	steps    []step
	next     int // trace index of the next arrival, per the single jobs workload
	jobs     *sim.Workload
	trace    []sim.TracedJob
	webKill  int
	wrong    int
	webSeen  map[string]string // web pod → pool it was bound to
}

func (r *runner) now() time.Duration { return time.Since(r.t0) }

// tell observes ev, at the run's time (0 before it starts).
func (r *runner) tell(ev live.ClusterEvent) {
	ev.Variant = r.sc.Name
	if !r.t0.IsZero() {
		ev.T = r.now().Seconds()
	}
	r.watch(ev)
}

// tellPod observes what happened to a's pod.
func (r *runner) tellPod(kind live.ClusterKind, a *attempt, detail string) {
	r.tell(live.ClusterEvent{Kind: kind, Pod: a.name, Job: a.job, Attempt: a.try, Node: a.node, Pool: a.pool, Detail: detail})
}

// createNodes creates every pool's fixed nodes and waits until kwok has
// made them Ready.
func (r *runner) createNodes(ctx context.Context, timeout time.Duration) error {
	for i := range r.sc.Pools {
		p := &r.sc.Pools[i]
		for range p.Min {
			if _, err := r.addNode(ctx, p); err != nil {
				return err
			}
		}
	}
	err := kube.Poll(ctx, timeout, r.every, "nodes Ready", func(ctx context.Context) (bool, error) {
		list, err := r.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: LabelRun + "=" + r.runID})
		if err != nil {
			return false, err
		}
		ready := 0
		for i := range list.Items {
			if kube.NodeReady(&list.Items[i]) {
				ready++
			}
		}
		return ready == len(r.nodes), nil
	})
	if err != nil {
		return fmt.Errorf("kwok lab: %w", err)
	}
	return nil
}

func (r *runner) addNode(ctx context.Context, p *sim.Pool) (*liveNode, error) {
	r.seq[p.Name]++
	n := KwokNode(p, r.seq[p.Name], r.runID)
	if _, err := r.cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("kwok lab: create node %s: %w", n.Name, err)
	}
	ln := &liveNode{pool: p, seq: r.seq[p.Name], name: n.Name}
	r.nodes = append(r.nodes, ln)
	r.tell(live.ClusterEvent{Kind: live.ClusterNode, Node: n.Name, Pool: p.Name, Tainted: len(n.Spec.Taints) > 0})
	return ln, nil
}

// createDeployments creates each Deployment workload (the web Deployment
// of ci-preemptible/deploy) and waits until its pods are placed or the
// scheduler has said why not.
func (r *runner) createDeployments(ctx context.Context, timeout time.Duration) error {
	want := 0
	for i := range r.sc.Workloads {
		w := &r.sc.Workloads[i]
		if w.Jobs != nil {
			continue
		}
		d := deployment(w, r.runID)
		if _, err := r.cs.AppsV1().Deployments(r.ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("kwok lab: create deployment %s: %w", d.Name, err)
		}
		want += w.Replicas()
	}
	err := kube.Poll(ctx, timeout, r.every, "web pods placed", func(ctx context.Context) (bool, error) {
		pods, err := r.cs.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{LabelSelector: "!" + LabelJob})
		if err != nil {
			return false, err
		}
		settled := 0
		for i := range pods.Items {
			if p := &pods.Items[i]; p.Spec.NodeName != "" || kube.SchedulerReason(p) != "" {
				settled++
			}
		}
		return settled >= want, nil
	})
	if err != nil {
		return fmt.Errorf("kwok lab: %w", err)
	}
	return nil
}

// deployment is a Deployment workload as run runID creates it: its pod
// template, confined to the run's nodes, and replica count, selected by
// the template's labels.
func deployment(w *sim.Workload, runID string) *appsv1.Deployment {
	pod := w.PodTemplate()
	Confine(&pod.Spec, runID)
	replicas := int32(w.Replicas())
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: w.Name, Labels: map[string]string{LabelWorkload: w.Name}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: pod.Labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: pod.Labels}, Spec: pod.Spec},
		},
	}
}

// plan queues the preemptions: at PreemptAt the first node of each
// preemptible or Spot pool gets its notice.
func (r *runner) plan() {
	for i := range r.sc.Pools {
		p := &r.sc.Pools[i]
		if p.Preemption == nil {
			continue
		}
		for _, at := range p.Preemption.At {
			r.steps = append(r.steps, step{at: at.Duration, what: stepNotice, node: &liveNode{pool: p}})
		}
	}
}

// loop runs the variant until every job has finished, nothing can move
// any more, or the drain is over.
func (r *runner) loop(ctx context.Context) error {
	end := r.sc.Horizon.Duration + r.sc.Drain.Duration
	tick := time.NewTicker(r.every)
	defer tick.Stop()
	for {
		now := r.now()
		if err := r.arrivals(ctx, now); err != nil {
			return err
		}
		if err := r.doSteps(ctx, now); err != nil {
			return err
		}
		busy, err := r.observe(ctx, now)
		if err != nil {
			return err
		}
		if now >= end || (r.next == len(r.trace) && len(r.steps) == 0 && !busy) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// arrivals creates the job pods that are due.
func (r *runner) arrivals(ctx context.Context, now time.Duration) error {
	for r.next < len(r.trace) && r.trace[r.next].At.Duration <= now {
		tj := r.trace[r.next]
		r.next++
		if err := r.submit(ctx, r.next, 1, tj.Duration.Duration, now); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) submit(ctx context.Context, job, try int, d, now time.Duration) error {
	pod := JobPod(r.jobs, job, try, r.runID)
	if _, err := r.cs.CoreV1().Pods(r.ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("kwok lab: create pod %s: %w", pod.Name, err)
	}
	a := &attempt{job: job, try: try, workload: r.jobs, duration: d, name: pod.Name, created: r.now(), started: -1}
	r.attempts = append(r.attempts, a)
	r.byName[a.name] = a
	r.tellPod(live.ClusterPod, a, "")
	return nil
}

// doSteps carries out the preemption steps that are due, in order.
func (r *runner) doSteps(ctx context.Context, now time.Duration) error {
	slices.SortStableFunc(r.steps, func(a, b step) int { return int(a.at - b.at) })
	for len(r.steps) > 0 && r.steps[0].at <= now {
		s := r.steps[0]
		r.steps = r.steps[1:]
		if err := r.do(ctx, s, now); err != nil {
			return err
		}
	}
	return nil
}

func (r *runner) do(ctx context.Context, s step, now time.Duration) error {
	pr := s.node.pool.Preemption
	switch s.what {
	case stepNotice:
		n := r.firstNode(s.node.pool)
		if n == nil {
			return nil
		}
		fmt.Fprintf(r.progress, "  %5.1fs preemption notice for %s: cordoned; its pods fail in %s, the VM is gone in %s\n", now.Seconds(), n.name, pr.GracePeriod.Duration, pr.Notice.Duration)
		if r.recordDir != "" {
			if err := r.record(ctx, filepath.Join(r.recordDir, "landed")); err != nil {
				return err
			}
		}
		if err := r.cordon(ctx, n.name); err != nil {
			return err
		}
		r.tell(live.ClusterEvent{Kind: live.ClusterNotice, Node: n.name, Pool: n.pool.Name})
		r.steps = append(r.steps,
			step{at: s.at + pr.GracePeriod.Duration, what: stepKill, node: n},
			step{at: s.at + pr.Notice.Duration, what: stepGone, node: n})
	case stepKill:
		return r.killPods(ctx, s.node, now)
	case stepGone:
		s.node.gone = true
		if err := r.cs.CoreV1().Nodes().Delete(ctx, s.node.name, metav1.DeleteOptions{}); err != nil {
			return fmt.Errorf("kwok lab: delete node %s: %w", s.node.name, err)
		}
		r.tell(live.ClusterEvent{Kind: live.ClusterNodeGone, Node: s.node.name, Pool: s.node.pool.Name})
		r.steps = append(r.steps, step{at: s.at + s.node.pool.BootTime.Duration, what: stepBoot, node: s.node})
	case stepBoot:
		n, err := r.addNode(ctx, s.node.pool)
		if err != nil {
			return err
		}
		fmt.Fprintf(r.progress, "  %5.1fs %s deleted earlier; its replacement %s joins\n", now.Seconds(), s.node.name, n.name)
	}
	return nil
}

// firstNode is the pool's lowest-numbered node that is not going, as the
// simulator picks it (sim.Preemption.At).
func (r *runner) firstNode(p *sim.Pool) *liveNode {
	var first *liveNode
	for _, n := range r.nodes {
		if n.pool == p && !n.gone && !n.cordoned && (first == nil || n.seq < first.seq) {
			first = n
		}
	}
	return first
}

func (r *runner) cordon(ctx context.Context, name string) error {
	patch := []byte(`{"spec":{"unschedulable":true}}`)
	if _, err := r.cs.CoreV1().Nodes().Patch(ctx, name, "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
		return fmt.Errorf("kwok lab: cordon node %s: %w", name, err)
	}
	for _, n := range r.nodes {
		if n.name == name {
			n.cordoned = true
		}
	}
	return nil
}

// killPods ends graceful node shutdown: every pod on the node fails, as
// the kubelet reports it, and is deleted; a job pod's job is retried if
// GitLab's retry rule says so.
func (r *runner) killPods(ctx context.Context, n *liveNode, now time.Duration) error {
	pods, err := r.cs.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + n.name})
	if err != nil {
		return fmt.Errorf("kwok lab: pods on %s: %w", n.name, err)
	}
	killed := 0
	for i := range pods.Items {
		p := &pods.Items[i]
		if done(p) {
			continue
		}
		failed, err := r.failPod(ctx, p)
		if err != nil {
			return fmt.Errorf("kwok lab: fail pod %s: %w", p.Name, err)
		}
		if !failed {
			continue // it finished on its own in the meantime
		}
		killed++
		zero := int64(0)
		if err := r.cs.CoreV1().Pods(r.ns).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
			return fmt.Errorf("kwok lab: delete pod %s: %w", p.Name, err)
		}
		a := r.byName[p.Name]
		if a == nil {
			r.webKill++
			r.tell(live.ClusterEvent{Kind: live.ClusterServiceKilled, Pod: p.Name, Node: n.name, Pool: n.pool.Name})
			continue
		}
		a.failed, a.preempted = true, true
		if a.node == "" {
			a.node, a.pool, a.started = n.name, n.pool.Name, now
			r.tellPod(live.ClusterBound, a, "")
		}
		r.tellPod(live.ClusterPreempted, a, "")
		if r.jobs.Jobs.Retry.Retries(a.try, sim.ReasonRunnerSystemFailure) {
			if err := r.submit(ctx, a.job, a.try+1, a.duration, now); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(r.progress, "  %5.1fs %d pod(s) on %s failed with their node\n", now.Seconds(), killed, n.name)
	return nil
}

// failPod marks a pod Failed as the kubelet does when its node shuts down.
// It reports false when the pod reached a final phase on its own first.
func (r *runner) failPod(ctx context.Context, p *corev1.Pod) (failed bool, err error) {
	return r.endPod(ctx, p, func(s *corev1.PodStatus) {
		s.Phase = corev1.PodFailed
		s.Reason = "Terminated"
		s.Message = "Pod was terminated in response to imminent node shutdown."
	})
}

// succeedPod ends a job pod whose job has run its duration, as its script
// would: phase Succeeded, every container terminated with exit code 0. The
// lab does it, not a kwok Stage, so that it runs on any cluster whose
// nodes kwok manages, with kwok's default stages (cluster:local's). It
// reports false when the pod reached a final phase first.
func (r *runner) succeedPod(ctx context.Context, p *corev1.Pod) (succeeded bool, err error) {
	return r.endPod(ctx, p, func(s *corev1.PodStatus) {
		now := metav1.Now()
		s.Phase = corev1.PodSucceeded
		s.ContainerStatuses = s.ContainerStatuses[:0]
		for _, c := range p.Spec.Containers {
			s.ContainerStatuses = append(s.ContainerStatuses, corev1.ContainerStatus{Name: c.Name, Image: c.Image,
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
					ExitCode: 0, Reason: "Completed", StartedAt: now, FinishedAt: now}}})
		}
		for i := range s.Conditions {
			if c := &s.Conditions[i]; c.Type == corev1.PodReady || c.Type == corev1.ContainersReady {
				c.Status, c.Reason = corev1.ConditionFalse, "PodCompleted"
			}
		}
	})
}

// endPod writes a final status to a pod that has none yet. kwok writes the
// same pod's status as it plays the kubelet, so an update can meet a newer
// version: read it again and retry. It reports false when the pod reached
// a final phase on its own first.
func (r *runner) endPod(ctx context.Context, p *corev1.Pod, final func(*corev1.PodStatus)) (ended bool, err error) {
	pods := r.cs.CoreV1().Pods(r.ns)
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if done(p) {
			return nil
		}
		q := p.DeepCopy()
		final(&q.Status)
		_, err := pods.UpdateStatus(ctx, q, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			fresh, gerr := pods.Get(ctx, p.Name, metav1.GetOptions{})
			if gerr != nil {
				return gerr
			}
			p = fresh
		}
		ended = err == nil
		return err
	})
	return ended, err
}

// done is whether a pod has reached a final phase.
func done(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// observe reads the namespace's pods into the attempts; busy is whether any
// job pod still runs or may yet be placed.
func (r *runner) observe(ctx context.Context, now time.Duration) (busy bool, err error) {
	pods, err := r.cs.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return false, fmt.Errorf("kwok lab: list pods: %w", err)
	}
	for i := range pods.Items {
		p := &pods.Items[i]
		a := r.byName[p.Name]
		if a == nil {
			r.observeService(p)
			continue
		}
		if a.node == "" && p.Spec.NodeName != "" {
			// Seen bound now, not at the loop's start: the pod may have
			// been created and bound within this iteration.
			a.node, a.started = p.Spec.NodeName, r.now()
			a.pool = r.poolOf(p.Spec.NodeName)
			if in := r.jobs.IntendedPools; len(in) > 0 && !slices.Contains(in, a.pool) {
				r.wrong++
			}
			r.tellPod(live.ClusterBound, a, "")
		}
		switch {
		case a.failed:
		case p.Status.Phase == corev1.PodSucceeded:
			if !a.done {
				a.done, a.finished = true, r.now()
				r.tellPod(live.ClusterSucceeded, a, "")
			}
		case p.Status.Phase == corev1.PodFailed:
			a.failed = true
			r.tellPod(live.ClusterFailed, a, p.Status.Reason)
		case p.Spec.NodeName == "":
			if why := kube.SchedulerReason(p); why != a.reason {
				a.reason = why
				if why != "" {
					r.tellPod(live.ClusterUnschedulable, a, why)
				}
			}
			// Pending with the scheduler's verdict, and nothing running
			// that could make room: stuck, not busy.
		default:
			busy = true
			if err := r.maybeSucceed(ctx, a, p); err != nil {
				return false, err
			}
		}
	}
	return busy || r.pendingCouldMove(), nil
}

// maybeSucceed ends a running job pod once its job has run its duration
// since the lab saw it bound.
func (r *runner) maybeSucceed(ctx context.Context, a *attempt, p *corev1.Pod) error {
	if p.Status.Phase != corev1.PodRunning || r.now()-a.started < a.duration {
		return nil
	}
	ok, err := r.succeedPod(ctx, p)
	if err != nil {
		return fmt.Errorf("kwok lab: end pod %s: %w", p.Name, err)
	}
	if ok {
		a.done, a.finished = true, r.now()
		r.tellPod(live.ClusterSucceeded, a, "")
	}
	return nil
}

// pendingCouldMove is whether a pending job pod has not had the scheduler's
// verdict yet (it may still be placed).
func (r *runner) pendingCouldMove() bool {
	for _, a := range r.attempts {
		if !a.done && !a.failed && a.node == "" && a.reason == "" {
			return true
		}
	}
	return false
}

// observeService notes where a Deployment's pod landed: on a pool its
// workload is not meant for, that is a placement mistake.
func (r *runner) observeService(p *corev1.Pod) {
	if p.Spec.NodeName == "" || r.webSeen[p.Name] != "" {
		return
	}
	pool := r.poolOf(p.Spec.NodeName)
	r.webSeen[p.Name] = pool
	workload := "service"
	for i := range r.sc.Workloads {
		if w := &r.sc.Workloads[i]; w.Jobs == nil && strings.HasPrefix(p.Name, w.Name+"-") {
			workload = w.Name // the Deployment's name starts its pods'
		}
	}
	r.tell(live.ClusterEvent{Kind: live.ClusterService, Pod: p.Name, Node: p.Spec.NodeName, Pool: pool, Detail: workload})
	for i := range r.sc.Workloads {
		w := &r.sc.Workloads[i]
		if w.Jobs == nil && len(w.IntendedPools) > 0 && !slices.Contains(w.IntendedPools, pool) {
			r.wrong++
		}
	}
}

func (r *runner) poolOf(node string) string {
	for _, n := range r.nodes {
		if n.name == node {
			return n.pool.Name
		}
	}
	return ""
}
