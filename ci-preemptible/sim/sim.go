package sim

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Options tune a run. The zero value is a normal run.
type Options struct {
	// Timeline, if set, records per-pool node and pod counts in that window.
	Timeline *Window
	// Placements, if set, records where every job attempt ran
	// (Result.Placements), to compare a run with a live one pod by pod.
	Placements bool
	// DisablePredicateCache evaluates the scheduler predicates for every
	// (pod, node) pair instead of once per (pod template, pool). Results are
	// identical; it exists to prove that, and is several times slower.
	DisablePredicateCache bool
}

// Window is a span of simulated time, from time 0 (a Monday 00:00).
type Window struct {
	From, To time.Duration
}

type podState uint8

const (
	podQueued    podState = iota // in GitLab's queue: runner at its concurrent limit
	podPending                   // pod created, not bound
	podRunning                   // bound to a node
	podCancelled                 // runner gave up waiting (poll_timeout)
	podDone
)

// pod is one job attempt or one Deployment replica. Its scheduling-relevant
// spec is its template's corev1.Pod, shared by every pod of the workload.
type pod struct {
	t       *tmpl
	node    *node
	created float64 // job: when GitLab created this attempt; replica: when it became Pending
	work    float64 // job run time in seconds
	attempt int
	job     int // the job's number, from 1 in order of arrival
	slot    int // index in node.pods
	rslot   int // Deployment replica: index in tmpl.replicas
	gen     uint32
	state   podState
	old     bool // Deployment replica due to be replaced by a rollout
}

type nodeState uint8

const (
	nodeBooting nodeState = iota
	nodeReady
	nodeDraining // preemption notice received: unschedulable, pods dying
	nodeGone
)

type node struct {
	pool      *poolState
	obj       *corev1.Node // built on demand for per-node predicate checks
	name      string
	seq       int     // the number in its name, pool-seq
	born      float64 // VM creation; before 0 for the nodes present at the start
	created   float64 // billing start: max(born, 0)
	used      res     // NodeResourcesFit's requested
	scoreUsed res     // requested with scoring's non-zero defaults
	pods      []*pod
	reserved  []int // per template: pending pods the autoscaler booted this node for
	resv      res
	slot      int // index in pool.nodes
	idleGen   uint32
	state     nodeState
	capped    bool // preemption due to the lifetime cap rather than at random
}

type poolState struct {
	idx   int
	spec  *Pool
	rng   *rand.Rand // preemption draws
	alloc res
	nodes []*node // booting, ready and draining
	seq   int
	stats PoolResult
	// billing
	nodeSeconds float64
	running     int // running pods, for the timeline
}

type tmpl struct {
	idx      int
	w        *Workload
	pod      *corev1.Pod
	req      res
	scoreReq res
	isJob    bool
	feasible []bool // per pool: taints, affinity and an empty node's resources admit the pod
	perNode  bool   // selectors name per-node labels: evaluate per node
	intended []bool // per pool; nil means anywhere

	pending  fifo
	pendingN int
	covered  int // pending pods with a booting node reserved for them
	blocked  bool

	gitlabQ     fifo
	inRunner    int // job pods created and not finished (counts against concurrent)
	concurrent  int // 0: no limit
	pollTimeout float64
	retry       *Retry
	jobs        *Jobs
	misreport   *rand.Rand // draws which preempted attempts are reported as script failures

	next     int        // Jobs.Trace: index of the next job to arrive
	peakRate float64    // arrivals per second
	rng      *rand.Rand // arrivals and durations

	// Deployment bookkeeping
	replicas  []*pod // live replicas (pending or running)
	runningN  int
	lastCount float64 // when runningN last changed
	old       fifo    // replicas of the previous rollout still to be replaced
	toReplace int

	st *WorkloadResult
}

type engine struct {
	ctx   context.Context
	sc    *Scenario
	opts  Options
	rng   *rand.Rand // scheduler tie-breaks
	now   float64
	seq   uint64
	q     eventQueue
	pools []*poolState
	tmpls []*tmpl

	pendingTotal   int
	activeArrivals int
	maxJobsHit     bool // arrivals stopped before the horizon
	inFlight       int  // jobs not yet succeeded or lost
	horizon        float64
	hardStop       float64
	mostAllocated  bool

	waits []float64
	res   Result

	tl     *Timeline
	tlFrom float64
	tlTo   float64
	tlOn   bool
}

// Run simulates sc and returns what it measured. A scenario built in Go
// rather than loaded is validated (and defaulted in place) first. Run honours
// ctx between events.
func Run(ctx context.Context, sc *Scenario, opts Options) (*Result, error) {
	if !sc.loaded {
		if err := sc.resolve(nil); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrInvalidScenario, sc.Name, err)
		}
	}
	e := &engine{
		ctx:           ctx,
		sc:            sc,
		opts:          opts,
		rng:           newStream(sc.Seed, "kube-scheduler"),
		horizon:       sc.Horizon.Seconds(),
		mostAllocated: sc.Scheduler.Scoring == "MostAllocated",
	}
	e.hardStop = e.horizon + sc.Drain.Seconds()
	e.res = Result{Scenario: sc.Name, Title: sc.Title, Seed: sc.Seed, Currency: sc.Currency}
	if err := e.setup(); err != nil {
		return nil, err
	}
	if err := e.loop(); err != nil {
		return nil, err
	}
	e.finish()
	return &e.res, nil
}

// newStream is an independent random stream per purpose, so that variants
// of a scenario see the same jobs (same arrivals, same durations) however
// differently their nodes behave: common random numbers make side-by-side
// differences the effect of the setup, not of the dice.
func newStream(seed uint64, purpose string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(purpose))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

func (e *engine) push(ev event) {
	e.seq++
	ev.seq = e.seq
	e.q.push(ev)
}

// setup builds the run's state from the scenario, phase by phase: pools,
// workload templates, the timeline, the nodes present at time 0, then the
// first arrivals and the Deployments' replicas.
func (e *engine) setup() error {
	sc := e.sc
	for i := range sc.Pools {
		p := &sc.Pools[i]
		ps := &poolState{idx: i, spec: p, alloc: resOf(p.Allocatable), rng: newStream(sc.Seed, "pool/"+p.Name)}
		ps.stats = PoolResult{Name: p.Name, Provisioning: p.Provisioning}
		e.pools = append(e.pools, ps)
	}
	for i := range sc.Workloads {
		t, err := e.newTmpl(i, &sc.Workloads[i])
		if err != nil {
			return err
		}
		e.tmpls = append(e.tmpls, t)
	}
	if err := e.setupTimeline(); err != nil {
		return err
	}
	e.startNodes()
	e.schedulePreemptionsAt()
	e.startWorkloads()
	e.push(event{t: e.horizon, kind: evHorizon})
	e.schedule()
	return nil
}

// newTmpl is workload w's template: its requests, on which pools it can
// ever run (and why not, in kube-scheduler's words), where it is meant to
// run, and for jobs the runner's limits and GitLab's retry rule.
func (e *engine) newTmpl(idx int, w *Workload) (*tmpl, error) {
	t := &tmpl{idx: idx, w: w, pod: w.pod, isJob: w.Jobs != nil, rng: newStream(e.sc.Seed, "workload/"+w.Name)}
	t.req = podRequests(w.pod)
	t.scoreReq = scoringRequests(t.req)
	t.perNode = needsPerNodeCheck(w.pod)
	t.st = &WorkloadResult{Name: w.Name, Kind: "deployment"}
	if t.isJob {
		t.st.Kind = "jobs"
	}
	if err := e.checkFeasible(t); err != nil {
		return nil, err
	}
	if len(w.IntendedPools) > 0 {
		t.intended = make([]bool, len(e.pools))
		for _, name := range w.IntendedPools {
			for j, ps := range e.pools {
				if ps.spec.Name == name {
					t.intended[j] = true
				}
			}
		}
	}
	if !t.isJob {
		return t, nil
	}
	j := w.Jobs
	t.jobs = j
	t.retry = j.Retry
	if w.runner != nil {
		t.concurrent = w.runner.Concurrent
		t.pollTimeout = w.runner.PollTimeout.Seconds()
	}
	if j.Concurrent != nil {
		t.concurrent = *j.Concurrent
	}
	if j.PollTimeout != nil {
		t.pollTimeout = j.PollTimeout.Seconds()
	}
	t.peakRate = j.Arrivals.PerHour / 3600
	if j.PreemptionMisreported > 0 {
		t.misreport = newStream(e.sc.Seed, "misreport/"+w.Name)
	}
	return t, nil
}

// checkFeasible decides, once per pool, whether t's pods can ever run there:
// the scheduler's filters against the pool's template node, and an empty
// node's room.
func (e *engine) checkFeasible(t *tmpl) error {
	t.feasible = make([]bool, len(e.pools))
	anywhere := t.perNode // decided per node: the template verdicts below are for the autoscaler only
	for j, ps := range e.pools {
		ok, reason, err := Schedulable(t.pod, ps.spec.template)
		if err != nil {
			return fmt.Errorf("%w: workload %q: %w", ErrInvalidScenario, t.w.Name, err)
		}
		if ok && !ps.alloc.fits(res{}, t.req) {
			ok, reason = false, "Insufficient resources: the pod's requests exceed an empty node's allocatable"
		}
		if ok && ps.spec.Max == 0 {
			ok, reason = false, "pool has max 0 nodes"
		}
		t.feasible[j] = ok
		switch {
		case ok:
			anywhere = true
		case !t.perNode:
			t.st.Unschedulable = append(t.st.Unschedulable, ps.spec.Name+": "+reason)
		}
	}
	t.st.FitsNowhere = !anywhere
	return nil
}

func (e *engine) setupTimeline() error {
	o := e.opts.Timeline
	if o == nil {
		return nil
	}
	if o.To <= o.From || o.From < 0 {
		return fmt.Errorf("%w: timeline window: want 0 <= from < to", ErrInvalidScenario)
	}
	e.tlFrom, e.tlTo = o.From.Seconds(), o.To.Seconds()
	e.tl = &Timeline{From: o.From, To: o.To}
	for _, ps := range e.pools {
		e.tl.Pools = append(e.tl.Pools, ps.spec.Name)
	}
	e.push(event{t: e.tlFrom, kind: evTimeline})
	return nil
}

// startNodes creates the cluster as it is before time 0: min nodes per
// pool, Ready, with ages spread over the lifetime cap so that a preemptible
// pool is not preempted all at once at 24 h.
func (e *engine) startNodes() {
	for _, ps := range e.pools {
		for range ps.spec.Min {
			n := e.newNode(ps)
			age := 0.0
			if pr := ps.spec.Preemption; pr != nil && pr.MaxLifetime != nil {
				age = ps.rng.Float64() * pr.MaxLifetime.Seconds()
			}
			n.born = -age
			e.schedulePreemption(n)
			e.nodeReady(n)
		}
	}
}

// startWorkloads draws each job stream's first arrival and creates each
// Deployment's replicas and its first rollout.
func (e *engine) startWorkloads() {
	for _, t := range e.tmpls {
		if t.isJob {
			e.activeArrivals++
			e.scheduleArrival(t, 0)
			continue
		}
		for range t.w.replicas {
			e.createPod(&pod{t: t, created: 0})
		}
		if t.w.RolloutEvery != nil {
			e.push(event{t: t.w.RolloutAt.Seconds(), kind: evRollout, tmpl: int32(t.idx)})
		}
	}
}

func (e *engine) loop() error {
	var n int64
	for e.q.len() > 0 {
		ev := e.q.pop()
		if ev.t > e.hardStop {
			e.now = e.hardStop
			break
		}
		e.now = ev.t
		n++
		if n&0xfff == 0 {
			if err := e.ctx.Err(); err != nil {
				return fmt.Errorf("simulate %s: %w", e.sc.Name, err)
			}
		}
		switch ev.kind {
		case evArrival:
			e.arrival(e.tmpls[ev.tmpl])
		case evPodDone:
			if ev.pod.gen == ev.gen && ev.pod.state == podRunning {
				e.podDone(ev.pod)
			}
		case evPollTimeout:
			if ev.pod.gen == ev.gen && ev.pod.state == podPending {
				e.pollTimeout(ev.pod)
			}
		case evNodeReady:
			if ev.node.state == nodeBooting {
				e.nodeReady(ev.node)
			}
		case evNodeNotice:
			e.nodeNotice(ev.node)
		case evNodeKill:
			e.nodeKill(ev.node)
		case evNodeGone:
			e.nodeGone(ev.node)
		case evIdleCheck:
			e.idleCheck(ev.node, ev.gen)
		case evRollout:
			e.rollout(e.tmpls[ev.tmpl])
		case evPreemptAt:
			e.preemptFirst(e.pools[ev.tmpl])
		case evHorizon:
		case evTimeline:
			e.tlOn = true
			for _, ps := range e.pools {
				e.record(ps)
			}
		}
		e.schedule()
		if e.activeArrivals == 0 && e.inFlight == 0 && (e.now >= e.horizon || e.maxJobsHit) {
			break
		}
	}
	e.res.Events = n
	return nil
}

// --- arrivals and jobs ---

// rateFactor is the working-day profile: 1 in working hours on weekdays,
// the off-peak factor otherwise. Time 0 is a Monday 00:00.
func (t *tmpl) rateFactor(at float64) float64 {
	a := &t.jobs.Arrivals
	if a.Profile != "working-day" {
		return 1
	}
	day := int(at / 86400)
	tod := at - float64(day)*86400
	if day%7 < 5 && tod >= a.WorkdayStart.Seconds() && tod < a.WorkdayEnd.Seconds() {
		return 1
	}
	return *a.OffPeakFactor
}

// scheduleArrival draws the next arrival after `after` by thinning a Poisson
// process at the peak rate (Lewis and Shedler), or ends the stream.
func (e *engine) scheduleArrival(t *tmpl, after float64) {
	if tr := t.jobs.Trace; len(tr) > 0 {
		if t.next >= len(tr) || tr[t.next].At.Seconds() > e.horizon {
			e.activeArrivals--
			return
		}
		e.push(event{t: tr[t.next].At.Seconds(), kind: evArrival, tmpl: int32(t.idx)})
		return
	}
	at := after
	for {
		at += t.rng.ExpFloat64() / t.peakRate
		if at > e.horizon || (e.sc.MaxJobs > 0 && e.res.Jobs >= e.sc.MaxJobs) {
			if at <= e.horizon {
				e.maxJobsHit = true
			}
			e.activeArrivals--
			return
		}
		if f := t.rateFactor(at); f >= 1 || t.rng.Float64() < f {
			break
		}
	}
	e.push(event{t: at, kind: evArrival, tmpl: int32(t.idx)})
}

func (t *tmpl) sampleWork() float64 {
	if tr := t.jobs.Trace; len(tr) > 0 {
		t.next++
		return tr[t.next-1].Duration.Seconds()
	}
	d := &t.jobs.Duration
	mean := d.Mean.Seconds()
	if d.Distribution == "lognormal" {
		mu := math.Log(mean) - d.Sigma*d.Sigma/2 // so that the mean is mean
		return math.Exp(mu + d.Sigma*t.rng.NormFloat64())
	}
	return t.rng.ExpFloat64() * mean
}

func (e *engine) arrival(t *tmpl) {
	e.res.Jobs++
	t.st.Jobs++
	e.inFlight++
	e.submit(&pod{t: t, created: e.now, work: t.sampleWork(), attempt: 1, job: e.res.Jobs})
	e.scheduleArrival(t, e.now)
}

// submit hands a job attempt to the runner, which creates its pod unless it
// is at its concurrent limit.
func (e *engine) submit(p *pod) {
	t := p.t
	if t.concurrent > 0 && t.inRunner >= t.concurrent {
		p.state = podQueued
		t.gitlabQ.push(p)
		return
	}
	e.createPod(p)
}

func (e *engine) createPod(p *pod) {
	t := p.t
	p.state = podPending
	p.gen++
	t.pending.push(p)
	t.pendingN++
	e.pendingTotal++
	if t.isJob {
		t.inRunner++
		if t.pollTimeout > 0 {
			e.push(event{t: e.now + t.pollTimeout, kind: evPollTimeout, pod: p, gen: p.gen})
		}
		return
	}
	p.rslot = len(t.replicas)
	t.replicas = append(t.replicas, p)
}

// countReplicas integrates missing replicas over time (the Deployment's
// downtime), then applies delta to the running count.
func (e *engine) countReplicas(t *tmpl, delta int) {
	if missing := t.w.replicas - t.runningN; missing > 0 {
		t.st.DowntimeReplicaSeconds += float64(missing) * (e.now - t.lastCount)
	}
	t.lastCount = e.now
	t.runningN += delta
}

// replicaGone forgets a replica that was killed or replaced.
func (e *engine) replicaGone(p *pod) {
	t := p.t
	last := len(t.replicas) - 1
	t.replicas[p.rslot] = t.replicas[last]
	t.replicas[p.rslot].rslot = p.rslot
	t.replicas[last] = nil
	t.replicas = t.replicas[:last]
	p.state = podDone
	if p.old {
		p.old = false
		t.toReplace--
	}
}

// rollout starts a RollingUpdate with the defaults for a few replicas
// (maxSurge 25% rounded up = 1, maxUnavailable 25% rounded down = 0): one new
// pod at a time, an old one removed each time a new one runs. New pods are
// scheduled afresh, which is how Deployments drift onto whatever nodes they
// tolerate.
func (e *engine) rollout(t *tmpl) {
	for _, p := range t.replicas {
		if !p.old {
			p.old = true
			t.old.push(p)
			t.toReplace++
		}
	}
	if t.toReplace > 0 {
		e.createPod(&pod{t: t, created: e.now})
	}
	e.push(event{t: e.now + t.w.RolloutEvery.Seconds(), kind: evRollout, tmpl: int32(t.idx)})
}

// rolloutStep runs when a new replica starts: it retires one old replica
// and surges the next new one.
func (e *engine) rolloutStep(t *tmpl, started *pod) {
	if t.toReplace == 0 || started.old {
		return
	}
	old := t.old.peek(func(p *pod) bool { return p.old })
	if old == nil {
		return
	}
	t.old.pop()
	switch old.state {
	case podRunning:
		e.unbind(old)
	case podPending:
		e.dropPending(old)
	}
	e.replicaGone(old)
	if t.toReplace > 0 {
		e.createPod(&pod{t: t, created: e.now})
	}
}

func (e *engine) runnerSlotFreed(t *tmpl) {
	t.inRunner--
	if q := t.gitlabQ.peek(func(*pod) bool { return true }); q != nil {
		t.gitlabQ.pop()
		e.createPod(q)
	}
}

func (e *engine) podDone(p *pod) {
	t := p.t
	e.unbind(p)
	p.state = podDone
	e.res.Succeeded++
	t.st.Succeeded++
	e.jobOver()
	e.runnerSlotFreed(t)
}

func (e *engine) jobOver() {
	e.inFlight--
	e.res.Makespan = seconds(e.now)
}

// jobFailed applies GitLab's retry rule to a failed attempt.
func (e *engine) jobFailed(p *pod, reason string) {
	t := p.t
	e.res.FailedAttempts++
	p.state = podDone
	if t.retry.Retries(p.attempt, reason) {
		e.res.Retries++
		// GitLab creates a new job for the retry; it queues behind the others.
		e.submit(&pod{t: t, created: e.now, work: p.work, attempt: p.attempt + 1, job: p.job})
	} else {
		e.res.Lost++
		t.st.Lost++
		e.jobOver()
	}
	e.runnerSlotFreed(t)
}

func (e *engine) pollTimeout(p *pod) {
	e.dropPending(p)
	p.state = podCancelled
	e.res.Attempts++
	e.res.NeverScheduled++
	e.jobFailed(p, ReasonRunnerSystemFailure)
}

// --- scheduling ---

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

// --- autoscaler ---

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

// --- nodes ---

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

// --- results ---

func (e *engine) finish() {
	end := e.now
	e.res.End = seconds(end)
	for _, ps := range e.pools {
		for _, n := range ps.nodes {
			ps.nodeSeconds += end - n.created
			ps.stats.MaxNodeAge = max(ps.stats.MaxNodeAge, seconds(end-n.born))
		}
		ps.stats.NodeHours = ps.nodeSeconds / 3600
		switch ps.spec.Provisioning {
		case Fixed:
			ps.stats.Cost = ps.spec.CostPerMonth * float64(ps.spec.Min) * end / (30 * 86400)
		default:
			ps.stats.Cost = ps.spec.PricePerHour * ps.stats.NodeHours
		}
		e.res.Cost += ps.stats.Cost
		e.res.Pools = append(e.res.Pools, ps.stats)
	}
	for _, t := range e.tmpls {
		for q := t.pending.peek(livePending); q != nil; q = t.pending.peek(livePending) {
			t.pending.pop()
			e.res.PendingAtEnd++
			if t.isJob {
				e.res.NeverScheduled++
				if e.opts.Placements {
					e.res.Placements = append(e.res.Placements, Placement{Workload: t.w.Name, Job: q.job, Attempt: q.attempt})
				}
			}
		}
		if !t.isJob {
			e.countReplicas(t, 0)
		}
		e.res.Workloads = append(e.res.Workloads, *t.st)
	}
	e.res.Unfinished = e.inFlight
	e.res.Wait = waitStats(e.waits)
	if e.tl != nil {
		e.res.Timeline = e.tl
	}
}
