package sim

import (
	"math"
	"slices"
	"time"
)

// Result is what one run measured. Durations are time.Duration (JSON:
// nanoseconds). Job counts cover every jobs workload together; the
// per-workload split is in Workloads.
type Result struct {
	Scenario string `json:"scenario"`
	Title    string `json:"title"`
	Seed     uint64 `json:"seed"`
	// End is when the run stopped: the horizon, or later if jobs drained after it.
	End time.Duration `json:"end"`
	// Makespan is when the last job finished (succeeded or was given up).
	Makespan time.Duration `json:"makespan"`

	// Cost is what all pools cost from 0 to End, in Currency.
	Cost     float64 `json:"cost"`
	Currency string  `json:"currency"`

	// Jobs is how many jobs arrived; Succeeded finished, Lost failed with
	// no retry left, Unfinished were still queued or running at the end.
	Jobs       int `json:"jobs"`
	Succeeded  int `json:"succeeded"`
	Lost       int `json:"lost"`
	Unfinished int `json:"unfinished"`
	// Attempts counts job pods started or timed out; FailedAttempts those
	// that failed (preempted, or never started within poll_timeout);
	// Retries the attempts GitLab created after a failure.
	Attempts       int `json:"attempts"`
	FailedAttempts int `json:"failedAttempts"`
	Retries        int `json:"retries"`
	// Preempted counts job attempts killed by node preemption;
	// Misreported those of them reported as script_failure
	// (Jobs.PreemptionMisreported), which retry:when:runner_system_failure
	// does not retry.
	Preempted   int `json:"preempted"`
	Misreported int `json:"misreported"`
	// NeverScheduled counts job pods that never got a node: failed after
	// poll_timeout, or still Pending at the end.
	NeverScheduled int `json:"neverScheduled"`
	// PendingAtEnd counts pods of any workload still Pending at the end.
	PendingAtEnd int `json:"pendingAtEnd"`
	// WrongPool counts pods (jobs and Deployments) placed outside their
	// workload's intendedPools.
	WrongPool int `json:"wrongPool"`
	// ServicePodsKilled counts Deployment pods killed by node preemption.
	ServicePodsKilled int `json:"servicePodsKilled"`

	// Wait is the queue wait of job attempts that started: from the job's
	// creation in GitLab to its pod running.
	Wait WaitStats `json:"wait"`

	Pools     []PoolResult     `json:"pools"`
	Workloads []WorkloadResult `json:"workloads"`
	Timeline  *Timeline        `json:"timeline,omitempty"`
	// Placements are where each job attempt ran, in order of start, then
	// the attempts that never ran (no Pool); recorded with
	// Options.Placements.
	Placements []Placement `json:"placements,omitempty"`

	// Events is how many events the run processed.
	Events int64 `json:"events"`
}

// Placement is where one job attempt ran.
type Placement struct {
	Workload string `json:"workload"`
	// Job is the job's number, from 1 in order of arrival; Attempt is 1
	// for the first try and counts GitLab's retries after it.
	Job     int `json:"job"`
	Attempt int `json:"attempt"`
	// Pool and Node are where the attempt's pod was bound; empty when it
	// never was.
	Pool  string        `json:"pool,omitempty"`
	Node  string        `json:"node,omitempty"`
	Start time.Duration `json:"start,omitempty"`
}

// WaitStats summarises queue waits.
type WaitStats struct {
	N    int           `json:"n"`
	Mean time.Duration `json:"mean"`
	P50  time.Duration `json:"p50"`
	P95  time.Duration `json:"p95"`
	Max  time.Duration `json:"max"`
	// Delayed is the fraction of attempts that waited at all (P(wait > 0)).
	Delayed float64 `json:"delayed"`
	// MeanSeconds is Mean before rounding to a Duration, for comparisons
	// with queueing formulas.
	MeanSeconds float64 `json:"meanSeconds"`
}

// PoolResult is one pool's share.
type PoolResult struct {
	Name         string       `json:"name"`
	Provisioning Provisioning `json:"provisioning"`
	Cost         float64      `json:"cost"`
	NodeHours    float64      `json:"nodeHours"`
	NodesCreated int          `json:"nodesCreated"`
	MaxNodes     int          `json:"maxNodes"`
	// Preemptions counts preemption notices; LifetimeCaps those due to the
	// 24 h limit of preemptible VMs.
	Preemptions  int `json:"preemptions"`
	LifetimeCaps int `json:"lifetimeCaps"`
	// JobPods and ServicePods count placements onto this pool.
	JobPods     int `json:"jobPods"`
	ServicePods int `json:"servicePods"`
	// MaxNodeAge is the longest any node lived.
	MaxNodeAge time.Duration `json:"maxNodeAge"`
}

// WorkloadResult is one workload's share.
type WorkloadResult struct {
	Name string `json:"name"`
	// Kind is "jobs" or "deployment".
	Kind       string `json:"kind"`
	Placements int    `json:"placements"`
	WrongPool  int    `json:"wrongPool"`
	// Killed counts this workload's pods killed by node preemption.
	Killed int `json:"killed"`
	// Unschedulable says, per pool, why this workload's pods can never run
	// there; every pool is listed when the pods fit nowhere.
	Unschedulable []string `json:"unschedulable,omitempty"`
	// FitsNowhere is true when no pool can ever run these pods.
	FitsNowhere bool `json:"fitsNowhere"`
	Jobs        int  `json:"jobs,omitempty"`
	Succeeded   int  `json:"succeeded,omitempty"`
	Lost        int  `json:"lost,omitempty"`
	// DowntimeReplicaSeconds is, for a Deployment, the time replicas spent
	// not running after the start (killed, waiting for a node).
	DowntimeReplicaSeconds float64 `json:"downtimeReplicaSeconds,omitempty"`
}

// Timeline is a per-pool record of one window of the run.
type Timeline struct {
	From   time.Duration   `json:"from"`
	To     time.Duration   `json:"to"`
	Pools  []string        `json:"pools"`
	Points []TimelinePoint `json:"points"`
	// Preemptions are the preemption notices in the window.
	Preemptions []TimelineMark `json:"preemptions"`
}

// TimelinePoint is the state of one pool from T until its next point.
type TimelinePoint struct {
	T    time.Duration `json:"t"`
	Pool int           `json:"pool"`
	// Nodes counts billed nodes (booting, ready or draining).
	Nodes int `json:"nodes"`
	// Pods counts running pods of every workload.
	Pods int `json:"pods"`
}

// TimelineMark is an instant event on a pool.
type TimelineMark struct {
	T    time.Duration `json:"t"`
	Pool int           `json:"pool"`
}

func seconds(s float64) time.Duration {
	return time.Duration(math.Round(s * float64(time.Second)))
}

// waitStats sorts waits in place.
func waitStats(waits []float64) WaitStats {
	var ws WaitStats
	ws.N = len(waits)
	if ws.N == 0 {
		return ws
	}
	slices.Sort(waits)
	sum, delayed := 0.0, 0
	for _, w := range waits {
		sum += w
		if w > 0 {
			delayed++
		}
	}
	ws.MeanSeconds = sum / float64(ws.N)
	ws.Mean = seconds(ws.MeanSeconds)
	ws.P50 = seconds(quantile(waits, 0.50))
	ws.P95 = seconds(quantile(waits, 0.95))
	ws.Max = seconds(waits[ws.N-1])
	ws.Delayed = float64(delayed) / float64(ws.N)
	return ws
}

// quantile is the nearest-rank quantile of sorted xs.
func quantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// finish gathers the run's measurements at its end into e.res.
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
