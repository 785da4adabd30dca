package sim

// autoscale is cluster-autoscaler's scale-up: every Pending pod that no
// booting node is already coming for gets room on a booting node of a pool
// it fits, or a new node from the cheapest such pool below its max.
func (e *engine) autoscale() {
	for _, t := range e.tmpls {
		for t.pendingN > t.covered {
			if !e.reserve(t) {
				break
			}
		}
	}
}

func (e *engine) reserve(t *tmpl) bool {
	var cheapest *poolState
	for _, ps := range e.pools {
		if !t.feasible[ps.idx] {
			continue
		}
		for _, n := range ps.nodes {
			if n.state == nodeBooting && ps.alloc.fits(n.resv, t.req) {
				e.addReservation(n, t)
				return true
			}
		}
		if ps.spec.Provisioning != Fixed && len(ps.nodes) < ps.spec.Max &&
			(cheapest == nil || ps.spec.PricePerHour < cheapest.spec.PricePerHour) {
			cheapest = ps
		}
	}
	if cheapest == nil {
		return false
	}
	n := e.newNode(cheapest)
	e.schedulePreemption(n)
	e.push(event{t: e.now + cheapest.spec.BootTime.Seconds(), kind: evNodeReady, node: n})
	e.addReservation(n, t)
	return true
}

func (e *engine) addReservation(n *node, t *tmpl) {
	n.reserved[t.idx]++
	n.resv = n.resv.add(t.req)
	t.covered++
}

// releaseReservation gives back one reservation of t: a pod it was for has
// started elsewhere or given up.
func (e *engine) releaseReservation(t *tmpl) {
	for _, ps := range e.pools {
		for _, n := range ps.nodes {
			if n.state == nodeBooting && n.reserved[t.idx] > 0 {
				n.reserved[t.idx]--
				n.resv = n.resv.sub(t.req)
				t.covered--
				return
			}
		}
	}
}

func (e *engine) clearReservations(n *node) {
	for i, c := range n.reserved {
		e.tmpls[i].covered -= c
		n.reserved[i] = 0
	}
	n.resv = res{}
}
