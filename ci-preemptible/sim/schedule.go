package sim

func (e *engine) dropPending(p *pod) {
	t := p.t
	t.pendingN--
	e.pendingTotal--
	if t.covered > t.pendingN {
		e.releaseReservation(t)
	}
}

func livePending(p *pod) bool { return p.state == podPending }

// schedule is kube-scheduler's loop: Pending pods in creation order, each to
// the best node that passes the filters. All pods of a template are
// identical, so when a template's oldest pod fits nowhere none of its pods
// does, and the template is skipped until the next event.
func (e *engine) schedule() {
	if e.pendingTotal == 0 {
		return
	}
	for _, t := range e.tmpls {
		t.blocked = false
	}
	for {
		var best *tmpl
		var bestPod *pod
		for _, t := range e.tmpls {
			if t.blocked || t.pendingN == 0 {
				continue
			}
			p := t.pending.peek(livePending)
			if p == nil {
				continue
			}
			if bestPod == nil || p.created < bestPod.created {
				best, bestPod = t, p
			}
		}
		if best == nil {
			break
		}
		n := e.pickNode(best)
		if n == nil {
			best.blocked = true
			continue
		}
		best.pending.pop()
		e.dropPending(bestPod)
		e.bind(bestPod, n)
	}
	e.autoscale()
}

// admits runs the scheduler's filters for one pod and one node, uncached.
func (e *engine) admits(ps *poolState, t *tmpl, n *node) bool {
	ok, _, err := Schedulable(t.pod, n.object())
	return err == nil && ok && ps.alloc.fits(res{}, t.req) && ps.spec.Max > 0
}

// pickNode filters and scores like kube-scheduler: NodeResourcesFit with
// LeastAllocated or MostAllocated (cpu and memory weighted equally), ties
// broken uniformly at random as in its selectHost.
func (e *engine) pickNode(t *tmpl) *node {
	var best *node
	bestScore, ties := int64(-1), 0
	cached := !e.opts.DisablePredicateCache && !t.perNode
	for _, ps := range e.pools {
		if cached && !t.feasible[ps.idx] {
			continue
		}
		a := ps.alloc
		for _, n := range ps.nodes {
			if n.state != nodeReady || !a.fits(n.used, t.req) || (!cached && !e.admits(ps, t, n)) {
				continue
			}
			cpu := n.scoreUsed.milliCPU + t.scoreReq.milliCPU
			mem := n.scoreUsed.memory + t.scoreReq.memory
			var s int64
			if e.mostAllocated {
				s = (min(cpu, a.milliCPU)*100/a.milliCPU + min(mem, a.memory)*100/a.memory) / 2
			} else {
				s = (max(a.milliCPU-cpu, 0)*100/a.milliCPU + max(a.memory-mem, 0)*100/a.memory) / 2
			}
			switch {
			case s > bestScore:
				best, bestScore, ties = n, s, 1
			case s == bestScore:
				ties++
				if e.rng.IntN(ties) == 0 {
					best = n
				}
			}
		}
	}
	return best
}

func (e *engine) bind(p *pod, n *node) {
	t := p.t
	ps := n.pool
	p.node = n
	p.state = podRunning
	p.gen++
	p.slot = len(n.pods)
	n.pods = append(n.pods, p)
	n.used = n.used.add(t.req)
	n.scoreUsed = n.scoreUsed.add(t.scoreReq)
	n.idleGen++
	ps.running++
	e.record(ps)
	t.st.Placements++
	if t.intended != nil && !t.intended[ps.idx] {
		t.st.WrongPool++
		e.res.WrongPool++
	}
	if t.isJob {
		if e.opts.Placements {
			e.res.Placements = append(e.res.Placements, Placement{Workload: t.w.Name, Job: p.job, Attempt: p.attempt, Pool: ps.spec.Name, Node: n.name, Start: seconds(e.now)})
		}
		ps.stats.JobPods++
		e.res.Attempts++
		e.waits = append(e.waits, e.now-p.created)
		e.push(event{t: e.now + p.work, kind: evPodDone, pod: p, gen: p.gen})
		return
	}
	ps.stats.ServicePods++
	e.countReplicas(t, +1)
	e.rolloutStep(t, p)
}

func (e *engine) unbind(p *pod) {
	n := p.node
	last := len(n.pods) - 1
	n.pods[p.slot] = n.pods[last]
	n.pods[p.slot].slot = p.slot
	n.pods[last] = nil
	n.pods = n.pods[:last]
	n.used = n.used.sub(p.t.req)
	n.scoreUsed = n.scoreUsed.sub(p.t.scoreReq)
	p.node = nil
	if !p.t.isJob {
		e.countReplicas(p.t, -1)
	}
	n.pool.running--
	e.record(n.pool)
	e.maybeIdle(n)
}
