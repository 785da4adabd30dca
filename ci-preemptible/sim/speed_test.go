package sim_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/scenarios"
	"github.com/bloglabs/posts/ci-preemptible/sim"
)

func runNamed(t *testing.T, name string, edit func(*sim.Scenario)) *sim.Result {
	t.Helper()
	sc, err := scenarios.Load(name)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(sc)
	}
	r, err := sim.Run(context.Background(), sc, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The post's "speed" half: the preemptible pool's savings, spent on a
// larger preemptible pool, cost what the all-on-demand setup costs and buy
// a shorter p95 queue wait, with no job lost to the extra preemptions.
func TestSameBudgetBuysQueueWait(t *testing.T) {
	t.Parallel()
	onDemand := lab(t)["post-all-on-demand"]
	tainted := lab(t)["post-tainted"]
	same := runNamed(t, "post-same-budget", nil)
	if d := math.Abs(same.Cost-onDemand.Cost) / onDemand.Cost; d > 0.05 {
		t.Errorf("same budget costs %.2f, all on-demand %.2f: %.1f%% apart, want within 5%%", same.Cost, onDemand.Cost, 100*d)
	}
	if same.Wait.P95 >= onDemand.Wait.P95 || same.Wait.P95 >= tainted.Wait.P95 {
		t.Errorf("p95 wait: same budget %v, all on-demand %v, tainted %v: want the same budget's shortest",
			same.Wait.P95, onDemand.Wait.P95, tainted.Wait.P95)
	}
	if same.Preempted <= tainted.Preempted {
		t.Errorf("preempted: same budget %d, tainted %d: more nodes for longer should mean more preemptions", same.Preempted, tainted.Preempted)
	}
	if same.Lost != 0 || same.Jobs != onDemand.Jobs {
		t.Errorf("same budget: %d of %d jobs lost (all on-demand had %d jobs)", same.Lost, same.Jobs, onDemand.Jobs)
	}
}

// A preempted attempt reported as script_failure is not retried by
// retry:when:runner_system_failure: it is a lost job. The share so reported
// follows Jobs.PreemptionMisreported.
func TestPreemptionMisreported(t *testing.T) {
	t.Parallel()
	for _, rate := range []float64{0, 0.5, 1} {
		r := runNamed(t, "post-tainted", func(sc *sim.Scenario) {
			sc.Horizon.Duration = 7 * 24 * time.Hour
			for i := range sc.Pools {
				if pr := sc.Pools[i].Preemption; pr != nil {
					pr.PerNodeDay = 8 // enough preemptions in a week to count
				}
			}
			sc.Workloads[0].Jobs.PreemptionMisreported = rate
		})
		if r.Preempted < 100 {
			t.Fatalf("rate %v: only %d preemptions: the test needs more", rate, r.Preempted)
		}
		if r.NeverScheduled != 0 {
			t.Fatalf("rate %v: %d pods never scheduled: the only failures should be preemptions", rate, r.NeverScheduled)
		}
		// Every failure is a preemption; each is either retried or lost.
		if r.Retries+r.Lost != r.Preempted {
			t.Errorf("rate %v: %d retries + %d lost != %d preempted", rate, r.Retries, r.Lost, r.Preempted)
		}
		if r.Lost < r.Misreported {
			t.Errorf("rate %v: %d misreported but only %d lost: a script_failure must not be retried", rate, r.Misreported, r.Lost)
		}
		switch rate {
		case 0:
			if r.Misreported != 0 {
				t.Errorf("rate 0: %d misreported", r.Misreported)
			}
		case 1:
			if r.Misreported != r.Preempted || r.Retries != 0 {
				t.Errorf("rate 1: %d of %d misreported, %d retries; want all, and none", r.Misreported, r.Preempted, r.Retries)
			}
		default:
			// Binomial(n, rate): within 4 standard deviations.
			n := float64(r.Preempted)
			if sd := math.Sqrt(n * rate * (1 - rate)); math.Abs(float64(r.Misreported)-n*rate) > 4*sd {
				t.Errorf("rate %v: %d of %d misreported, want about %.0f ± %.0f", rate, r.Misreported, r.Preempted, n*rate, 4*sd)
			}
		}
	}
}

func TestPreemptionMisreportedValidated(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"-0.1", "1.5"} {
		_, err := sim.ParseScenario([]byte(`name: x
horizon: 1h
pools: [{name: p, provisioning: on-demand, allocatable: {cpu: "4", memory: 16Gi}, max: 1}]
workloads:
  - name: ci
    pod: {spec: {containers: [{name: b}]}}
    jobs:
      arrivals: {perHour: 1}
      duration: {distribution: exponential, mean: 1m}
      preemptionMisreported: `+bad+"\n"), nil)
		if err == nil {
			t.Errorf("preemptionMisreported %s accepted", bad)
		}
	}
}

// A recorded job stream replaces the distributions: exactly its jobs run,
// with their durations, and a trace out of order is refused.
func TestTrace(t *testing.T) {
	t.Parallel()
	const base = `name: traced
horizon: 1h
pools: [{name: p, provisioning: on-demand, allocatable: {cpu: "4", memory: 16Gi}, min: 1, max: 1}]
workloads:
  - name: ci
    pod: {spec: {containers: [{name: b, resources: {requests: {cpu: "4"}}}]}}
    jobs:
      trace:
`
	sc, err := sim.ParseScenario([]byte(base+"        - {at: 0s, duration: 10s}\n        - {at: 1s, duration: 10s}\n        - {at: 30s, duration: 5s}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sim.Run(context.Background(), sc, sim.Options{Placements: true})
	if err != nil {
		t.Fatal(err)
	}
	// One node of one job at a time: job 2 waits 9 s for job 1.
	if r.Jobs != 3 || r.Wait.Max != 9*time.Second || r.Makespan != 35*time.Second || len(r.Placements) != 3 {
		t.Errorf("jobs %d, max wait %v, makespan %v, %d placements; want 3, 9s, 35s, 3", r.Jobs, r.Wait.Max, r.Makespan, len(r.Placements))
	}
	if _, err := sim.ParseScenario([]byte(base+"        - {at: 5s, duration: 10s}\n        - {at: 1s, duration: 10s}\n"), nil); err == nil {
		t.Error("a trace out of order was accepted")
	}
}
