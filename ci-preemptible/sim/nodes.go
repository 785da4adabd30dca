package sim

import (
	"math"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

func (e *engine) newNode(ps *poolState) *node {
	ps.seq++
	n := &node{
		pool:     ps,
		seq:      ps.seq,
		name:     ps.spec.Name + "-" + strconv.Itoa(ps.seq),
		born:     e.now,
		created:  e.now,
		reserved: make([]int, len(e.tmpls)),
		slot:     len(ps.nodes),
		state:    nodeBooting,
	}
	ps.nodes = append(ps.nodes, n)
	ps.stats.NodesCreated++
	ps.stats.MaxNodes = max(ps.stats.MaxNodes, len(ps.nodes))
	e.record(ps)
	return n
}

// object is the node as the API server would show it: the pool template
// with the node's own name and hostname label.
func (n *node) object() *corev1.Node {
	if n.obj == nil {
		n.obj = n.pool.spec.template.DeepCopy()
		n.obj.Name = n.name
		n.obj.Labels[corev1.LabelHostname] = n.name
	}
	return n.obj
}

// schedulePreemption draws when the cloud takes n back: the lifetime cap
// (counted from the VM's creation) or an exponential time at the pool's
// random rate (memoryless, so drawn from now), whichever comes first.
func (e *engine) schedulePreemption(n *node) {
	pr := n.pool.spec.Preemption
	if pr == nil {
		return
	}
	at := math.Inf(1)
	if pr.PerNodeDay > 0 {
		at = e.now + n.pool.rng.ExpFloat64()/(pr.PerNodeDay/86400)
	}
	if pr.MaxLifetime != nil {
		// The VM is gone at the limit; its notice comes that much earlier.
		if limit := n.born + pr.MaxLifetime.Seconds() - pr.Notice.Seconds(); limit <= at {
			at, n.capped = limit, true
		}
	}
	if !math.IsInf(at, 1) {
		e.push(event{t: max(at, e.now), kind: evNodeNotice, node: n})
	}
}

func (e *engine) nodeReady(n *node) {
	n.state = nodeReady
	e.clearReservations(n)
	e.maybeIdle(n)
}

// maybeIdle starts the scale-down clock on an empty Ready node.
func (e *engine) maybeIdle(n *node) {
	if n.state != nodeReady || len(n.pods) > 0 {
		return
	}
	n.idleGen++
	e.push(event{t: e.now + n.pool.spec.ScaleDownIdle.Seconds(), kind: evIdleCheck, node: n, gen: n.idleGen})
}

func (e *engine) idleCheck(n *node, gen uint32) {
	ps := n.pool
	if n.idleGen != gen || n.state != nodeReady || len(n.pods) > 0 || len(ps.nodes) <= ps.spec.Min || ps.spec.Provisioning == Fixed {
		return
	}
	e.removeNode(n)
}

func (e *engine) removeNode(n *node) {
	ps := n.pool
	if n.state == nodeBooting {
		e.clearReservations(n)
	}
	n.state = nodeGone
	last := len(ps.nodes) - 1
	ps.nodes[n.slot] = ps.nodes[last]
	ps.nodes[n.slot].slot = n.slot
	ps.nodes[last] = nil
	ps.nodes = ps.nodes[:last]
	ps.nodeSeconds += e.now - n.created
	ps.stats.MaxNodeAge = max(ps.stats.MaxNodeAge, seconds(e.now-n.born))
	e.record(ps)
}

func (e *engine) nodeNotice(n *node) {
	if n.state == nodeGone || n.state == nodeDraining {
		return
	}
	ps := n.pool
	pr := ps.spec.Preemption
	ps.stats.Preemptions++
	if n.capped {
		ps.stats.LifetimeCaps++
	}
	if e.tlOn && e.now < e.tlTo {
		e.tl.Preemptions = append(e.tl.Preemptions, TimelineMark{T: seconds(e.now), Pool: ps.idx})
	}
	if n.state == nodeBooting {
		e.clearReservations(n)
	}
	n.state = nodeDraining
	// Pods got SIGTERM with the notice: none of them will finish normally.
	for _, p := range n.pods {
		p.gen++
	}
	e.push(event{t: e.now + pr.GracePeriod.Seconds(), kind: evNodeKill, node: n})
	e.push(event{t: e.now + pr.Notice.Seconds(), kind: evNodeGone, node: n})
}

// nodeKill ends graceful shutdown: every pod on the node has failed. Job pods
// fail their job as a runner system failure; Deployment pods are replaced by
// their ReplicaSet.
func (e *engine) nodeKill(n *node) {
	for len(n.pods) > 0 {
		p := n.pods[len(n.pods)-1]
		t := p.t
		e.unbind(p)
		t.st.Killed++
		if t.isJob {
			e.res.Preempted++
			e.jobFailed(p, e.preemptedReason(t))
			continue
		}
		e.res.ServicePodsKilled++
		e.replicaGone(p)
		// Its ReplicaSet replaces it at once.
		e.createPod(&pod{t: t, created: e.now})
	}
}

// schedulePreemptionsAt queues the pool's preemptions at fixed times
// (Preemption.At).
func (e *engine) schedulePreemptionsAt() {
	for _, ps := range e.pools {
		if pr := ps.spec.Preemption; pr != nil {
			for _, at := range pr.At {
				e.push(event{t: at.Seconds(), kind: evPreemptAt, tmpl: int32(ps.idx)})
			}
		}
	}
}

// preemptFirst gives the notice to the pool's lowest-numbered node that is
// not already going, as the kwok lab picks the node it deletes.
func (e *engine) preemptFirst(ps *poolState) {
	var first *node
	for _, n := range ps.nodes {
		if (n.state == nodeReady || n.state == nodeBooting) && (first == nil || n.seq < first.seq) {
			first = n
		}
	}
	if first != nil {
		e.nodeNotice(first)
	}
}

// preemptedReason is the failure reason gitlab-runner reports for a job
// attempt killed with its node: a runner system failure, or for the
// misreported share a script failure.
func (e *engine) preemptedReason(t *tmpl) string {
	if t.misreport != nil && t.misreport.Float64() < t.jobs.PreemptionMisreported {
		e.res.Misreported++
		return ReasonScriptFailure
	}
	return ReasonRunnerSystemFailure
}

// nodeGone: the VM is gone. Its managed instance group keeps its target
// size, so it recreates the VM, which boots as a new node; the autoscaler
// removes it later if it stays empty.
func (e *engine) nodeGone(n *node) {
	ps := n.pool
	e.removeNode(n)
	r := e.newNode(ps)
	e.schedulePreemption(r)
	e.push(event{t: e.now + ps.spec.BootTime.Seconds(), kind: evNodeReady, node: r})
}

func (e *engine) record(ps *poolState) {
	if !e.tlOn || e.now >= e.tlTo {
		return
	}
	e.tl.Points = append(e.tl.Points, TimelinePoint{T: seconds(e.now), Pool: ps.idx, Nodes: len(ps.nodes), Pods: ps.running})
}
