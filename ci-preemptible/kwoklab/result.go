package kwoklab

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// VariantResult is one variant of the lab run live, next to the simulator
// fed the same jobs. The JSON keys are the lab's documented output.
type VariantResult struct {
	Scenario string `json:"scenario"`
	// Placed lists, per pool, the job pods the real scheduler bound there.
	Placed map[string][]string `json:"placed"`
	// Unschedulable counts job pods that never ran; Reasons are
	// kube-scheduler's messages for them, with how many pods got each.
	Unschedulable int            `json:"unschedulable"`
	Reasons       map[string]int `json:"reasons"`
	// Preempted counts job pods that failed with their node; Retries the
	// job pods created by GitLab's retry rule.
	Preempted int `json:"preempted"`
	Retries   int `json:"retries"`
	// Agreement is the share of job pods (job, attempt) that the
	// simulator, fed the same arrivals, placed on the same pool (or, like
	// the live run, never ran); Disagreements name the others.
	Agreement     float64        `json:"agreement"`
	Disagreements []Disagreement `json:"disagreements,omitempty"`
	// Pods are the job pods, in order of creation.
	Pods []PodOutcome `json:"pods"`

	live *sim.Result // the live run, in the simulator's terms, for the table
	sim  *sim.Result
}

// PodOutcome is where one job pod ran, or why it never did.
type PodOutcome struct {
	Pod     string        `json:"pod"`
	Job     int           `json:"job"`
	Attempt int           `json:"attempt"`
	Pool    string        `json:"pool,omitempty"`
	Node    string        `json:"node,omitempty"`
	Wait    time.Duration `json:"wait,omitempty"`
	// Ran is from bound to Succeeded as the lab saw it (kwok's part);
	// Duration is the job's, from the trace.
	Ran       time.Duration `json:"ran,omitempty"`
	Duration  time.Duration `json:"duration"`
	State     PodState      `json:"state"`
	Reason    string        `json:"reason,omitempty"`
	SimPool   string        `json:"simPool,omitempty"`
	SimAgrees bool          `json:"simAgrees"`
}

// PodState is how a job pod ended, or where it stood when the run ended.
type PodState string

// The states of a job pod.
const (
	PodSucceeded PodState = "succeeded"
	PodPreempted PodState = "preempted" // failed with its node
	PodFailed    PodState = "failed"
	PodRunning   PodState = "running"
	PodPending   PodState = "pending" // never placed
)

// PodStates are every PodState, in the order above.
func PodStates() []PodState {
	return []PodState{PodSucceeded, PodPreempted, PodFailed, PodRunning, PodPending}
}

// Disagreement is a job pod the simulator placed elsewhere.
type Disagreement struct {
	Job     int    `json:"job"`
	Attempt int    `json:"attempt"`
	Live    string `json:"live"` // pool, or "" when it never ran
	Sim     string `json:"sim"`
}

// noSuchPod marks a job pod one run created and the other did not (a
// retry of a job only one of them saw preempted).
const noSuchPod = "(no such pod)"

// Agreement compares the live placements with the simulator's, job pod by
// job pod (a job and an attempt): the share placed on the same pool, ""
// (never ran) included, over every job pod either run created.
func Agreement(live, simulated []sim.Placement) (float64, []Disagreement) {
	type key struct{ job, attempt int }
	l, s := map[key]string{}, map[key]string{}
	var keys []key
	for _, p := range live {
		k := key{p.Job, p.Attempt}
		l[k] = p.Pool
		keys = append(keys, k)
	}
	for _, p := range simulated {
		k := key{p.Job, p.Attempt}
		if _, ok := l[k]; !ok {
			if _, dup := s[k]; !dup {
				keys = append(keys, k)
			}
		}
		s[k] = p.Pool
	}
	if len(keys) == 0 {
		return 1, nil
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].job < keys[j].job || (keys[i].job == keys[j].job && keys[i].attempt < keys[j].attempt)
	})
	var out []Disagreement
	for _, k := range keys {
		lp, lok := l[k]
		sp, sok := s[k]
		if lok != sok || lp != sp {
			d := Disagreement{Job: k.job, Attempt: k.attempt, Live: lp, Sim: sp}
			if !lok {
				d.Live = noSuchPod
			}
			if !sok {
				d.Sim = noSuchPod
			}
			out = append(out, d)
		}
	}
	return float64(len(keys)-len(out)) / float64(len(keys)), out
}

// result turns the runner's record into the variant's result and, for the
// table, into the simulator's terms.
func (r *runner) result(simRes *sim.Result, end time.Duration) *VariantResult {
	vr := &VariantResult{Scenario: r.sc.Name, Placed: map[string][]string{}, Reasons: map[string]int{}, sim: simRes}
	lr := &sim.Result{Scenario: r.sc.Name + " (live)", Title: r.sc.Title, Currency: r.sc.Currency, End: end}
	var placements []sim.Placement
	var waits []time.Duration
	simPool := map[[2]int]string{}
	for _, p := range simRes.Placements {
		simPool[[2]int{p.Job, p.Attempt}] = p.Pool
	}
	for _, a := range r.attempts {
		po := PodOutcome{Pod: a.name, Job: a.job, Attempt: a.try, Pool: a.pool, Node: a.node, Duration: a.duration, SimPool: simPool[[2]int{a.job, a.try}]}
		placements = append(placements, sim.Placement{Workload: a.workload.Name, Job: a.job, Attempt: a.try, Pool: a.pool, Node: a.node})
		if a.node != "" {
			vr.Placed[a.pool] = append(vr.Placed[a.pool], a.name)
			po.Wait = a.started - a.created
			waits = append(waits, po.Wait)
			lr.Attempts++
		}
		switch {
		case a.preempted:
			po.State = PodPreempted
		case a.failed:
			po.State = PodFailed
		case a.done:
			po.State = PodSucceeded
			po.Ran = a.finished - a.started
			lr.Succeeded++
			lr.Makespan = max(lr.Makespan, a.finished)
		case a.node != "":
			po.State = PodRunning
		default:
			po.State, po.Reason = PodPending, a.reason
			vr.Unschedulable++
			vr.Reasons[a.reason]++
		}
		if a.try > 1 {
			vr.Retries++
		}
		if a.preempted {
			vr.Preempted++
		}
		vr.Pods = append(vr.Pods, po)
	}
	vr.Agreement, vr.Disagreements = Agreement(placements, simRes.Placements)
	for i := range vr.Pods {
		vr.Pods[i].SimAgrees = !slices.ContainsFunc(vr.Disagreements, func(d Disagreement) bool {
			return d.Job == vr.Pods[i].Job && d.Attempt == vr.Pods[i].Attempt
		})
	}
	lr.Jobs = r.next
	lr.Preempted, lr.Retries = vr.Preempted, vr.Retries
	lr.Lost = lostJobs(r.attempts, r.jobs.Jobs.Retry)
	lr.NeverScheduled = vr.Unschedulable
	lr.WrongPool = r.wrong
	lr.ServicePodsKilled = r.webKill
	lr.Wait = waitStats(waits)
	lr.Cost = r.cost(end)
	vr.live = lr
	return vr
}

// lostJobs counts jobs whose last attempt failed with no retry left.
func lostJobs(attempts []*attempt, retry *sim.Retry) int {
	last := map[int]*attempt{}
	for _, a := range attempts {
		if b := last[a.job]; b == nil || a.try > b.try {
			last[a.job] = a
		}
	}
	n := 0
	for _, a := range last {
		if a.failed && !retry.Retries(a.try, sim.ReasonRunnerSystemFailure) {
			n++
		}
	}
	return n
}

// cost is what the lab's nodes would have cost for the run's minutes.
func (r *runner) cost(end time.Duration) float64 {
	c := 0.0
	for i := range r.sc.Pools {
		p := &r.sc.Pools[i]
		c += p.PricePerHour * float64(p.Min) * end.Hours()
	}
	return c
}

func waitStats(waits []time.Duration) sim.WaitStats {
	if len(waits) == 0 {
		return sim.WaitStats{}
	}
	slices.Sort(waits)
	q := func(f float64) time.Duration { return waits[min(len(waits)-1, int(f*float64(len(waits))))] }
	var sum time.Duration
	for _, w := range waits {
		sum += w
	}
	return sim.WaitStats{N: len(waits), Mean: sum / time.Duration(len(waits)), P50: q(0.5), P95: q(0.95), Max: waits[len(waits)-1]}
}

// String is a one-line summary, for progress.
func (vr *VariantResult) String() string {
	return fmt.Sprintf("%s: %d job pods, %d never ran, %d preempted, %d retries, agreement %.0f%%",
		vr.Scenario, len(vr.Pods), vr.Unschedulable, vr.Preempted, vr.Retries, 100*vr.Agreement)
}
