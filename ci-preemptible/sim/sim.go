package sim

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
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
