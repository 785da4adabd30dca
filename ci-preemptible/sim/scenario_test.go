package sim_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/scenarios"
	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// labResults runs the four post scenarios once for all tests of the package.
var labResults = sync.OnceValues(func() (map[string]*sim.Result, error) {
	out := map[string]*sim.Result{}
	for _, name := range scenarios.Lab {
		sc, err := scenarios.Load(name)
		if err != nil {
			return nil, err
		}
		r, err := sim.Run(context.Background(), sc, sim.Options{})
		if err != nil {
			return nil, err
		}
		out[name] = r
	}
	return out, nil
})

func lab(t *testing.T) map[string]*sim.Result {
	t.Helper()
	rs, err := labResults()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func pool(t *testing.T, r *sim.Result, name string) sim.PoolResult {
	t.Helper()
	for _, p := range r.Pools {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("%s: no pool %q", r.Scenario, name)
	return sim.PoolResult{}
}

func workload(t *testing.T, r *sim.Result, name string) sim.WorkloadResult {
	t.Helper()
	for _, w := range r.Workloads {
		if w.Name == name {
			return w
		}
	}
	t.Fatalf("%s: no workload %q", r.Scenario, name)
	return sim.WorkloadResult{}
}

// checkAccounting holds for every run: each failed attempt is either retried
// or its job is lost, and every job ends one way or another.
func checkAccounting(t *testing.T, r *sim.Result) {
	t.Helper()
	if r.FailedAttempts != r.Retries+r.Lost {
		t.Errorf("%s: failed attempts %d != retries %d + lost %d", r.Scenario, r.FailedAttempts, r.Retries, r.Lost)
	}
	if r.Jobs != r.Succeeded+r.Lost+r.Unfinished {
		t.Errorf("%s: jobs %d != succeeded %d + lost %d + unfinished %d", r.Scenario, r.Jobs, r.Succeeded, r.Lost, r.Unfinished)
	}
}

func TestLabScenariosSeeTheSameJobs(t *testing.T) {
	t.Parallel()
	rs := lab(t)
	base := rs[scenarios.Lab[0]]
	for _, name := range scenarios.Lab {
		r := rs[name]
		checkAccounting(t, r)
		if r.Jobs != base.Jobs {
			t.Errorf("%s: %d jobs, want %d as in %s (common random numbers)", name, r.Jobs, base.Jobs, base.Scenario)
		}
	}
}

func TestTaintedPreemptiblePool(t *testing.T) {
	t.Parallel()
	rs := lab(t)
	r, onDemand := rs["post-tainted"], rs["post-all-on-demand"]
	ci := pool(t, r, "ci-preemptible")
	if ci.JobPods != r.Attempts || r.WrongPool != 0 {
		t.Errorf("job pods on the preemptible pool: %d of %d attempts, %d on a wrong pool; want all there", ci.JobPods, r.Attempts, r.WrongPool)
	}
	if ci.ServicePods != 0 {
		t.Errorf("%d web pods on the tainted pool, want 0", ci.ServicePods)
	}
	if r.Cost >= onDemand.Cost {
		t.Errorf("cost %.2f, want less than all on-demand %.2f", r.Cost, onDemand.Cost)
	}
	if got, want := ci.Cost, pool(t, onDemand, "ci").Cost; got > 0.4*want {
		t.Errorf("CI pool cost %.2f, want at most 40%% of on-demand's %.2f at a 70%% discount", got, want)
	}
	if r.Preempted == 0 || r.Retries < r.Preempted {
		t.Errorf("preempted %d, retries %d: want preemptions, each retried (retry max 2 on runner_system_failure)", r.Preempted, r.Retries)
	}
	if r.Lost != 0 || r.Succeeded != r.Jobs {
		t.Errorf("lost %d, succeeded %d of %d: want no job lost when preemption is rare and retries are on", r.Lost, r.Succeeded, r.Jobs)
	}
	if ci.LifetimeCaps == 0 || ci.MaxNodeAge > 24*time.Hour {
		t.Errorf("lifetime caps %d, oldest node %v: want preemptions at the 24 h cap and no node older", ci.LifetimeCaps, ci.MaxNodeAge)
	}
	if p := onDemand.Preempted + pool(t, onDemand, "ci").Preemptions; p != 0 {
		t.Errorf("all on-demand: %d preemptions, want 0", p)
	}
}

func TestTaintMissingPutsWebOnPreemptibleNodes(t *testing.T) {
	t.Parallel()
	r := lab(t)["post-taint-missing"]
	web := workload(t, r, "web")
	if web.WrongPool == 0 || pool(t, r, "ci-preemptible").ServicePods != web.WrongPool {
		t.Errorf("web pods on the preemptible pool: %d (pool counts %d): want some, all counted", web.WrongPool, pool(t, r, "ci-preemptible").ServicePods)
	}
	if web.Killed == 0 || r.ServicePodsKilled != web.Killed {
		t.Errorf("web pods killed by preemption: %d (total %d), want some", web.Killed, r.ServicePodsKilled)
	}
	if len(web.Unschedulable) != 0 {
		t.Errorf("web is unschedulable on %v, want schedulable everywhere without the taint", web.Unschedulable)
	}
	if tainted := lab(t)["post-tainted"]; workload(t, tainted, "web").Killed != 0 {
		t.Errorf("with the taint, web pods killed: %d, want 0", workload(t, tainted, "web").Killed)
	}
}

func TestTolerationForgottenJobsNeverSchedule(t *testing.T) {
	t.Parallel()
	r := lab(t)["post-toleration-forgotten"]
	ci := workload(t, r, "ci")
	if !ci.FitsNowhere || ci.Placements != 0 || r.Succeeded != 0 {
		t.Fatalf("fits nowhere %v, placements %d, succeeded %d: want jobs that never schedule", ci.FitsNowhere, ci.Placements, r.Succeeded)
	}
	if !strings.Contains(strings.Join(ci.Unschedulable, "\n"), "untolerated taint {cloud.google.com/gke-preemptible: true}") {
		t.Errorf("reasons %q: want the untolerated taint named", ci.Unschedulable)
	}
	// poll_timeout fails each attempt as runner_system_failure, GitLab
	// retries it twice, then the job is lost.
	if r.Unfinished != 0 || r.NeverScheduled != 3*r.Jobs {
		t.Errorf("never scheduled %d, unfinished %d: want 3 per job (%d jobs), all drained", r.NeverScheduled, r.Unfinished, r.Jobs)
	}
	if r.Lost != r.Jobs || r.Retries != 2*r.Lost {
		t.Errorf("lost %d, retries %d of %d jobs: want every job lost after 2 retries", r.Lost, r.Retries, r.Jobs)
	}
	if r.Wait.N != 0 {
		t.Errorf("%d waits recorded, want none: no job ever started", r.Wait.N)
	}
	checkAccounting(t, r)
}

const harsh = `
name: harsh
seed: 3
horizon: 200h
pools:
  - name: spot
    provisioning: spot
    pricePerHour: 0.04
    allocatable: {cpu: "2", memory: 8Gi}
    min: 4
    max: 4
    bootTime: 60s
    preemption: {perNodeDay: 24}
workloads:
  - name: ci
    pod:
      spec:
        containers:
          - name: build
            resources: {requests: {cpu: "1", memory: 1Gi}}
    jobs:
      arrivals: {perHour: 12}
      duration: {distribution: exponential, mean: 20m}
`

// TestRetrySemantics: a job is lost only when GitLab's retry policy gives up:
// never retried without retry, retried only for listed reasons, at most max
// times.
func TestRetrySemantics(t *testing.T) {
	t.Parallel()
	run := func(retry string) *sim.Result {
		t.Helper()
		sc, err := sim.ParseScenario([]byte(harsh+retry), nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := sim.Run(context.Background(), sc, sim.Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkAccounting(t, r)
		if r.Preempted < 100 {
			t.Fatalf("only %d preemptions: the scenario should be harsh", r.Preempted)
		}
		return r
	}
	none := run("")
	if none.Retries != 0 || none.Lost != none.FailedAttempts {
		t.Errorf("no retry: retries %d, lost %d, failed %d: want every failure lost", none.Retries, none.Lost, none.FailedAttempts)
	}
	other := run("      retry: {max: 2, when: [script_failure]}\n")
	if other.Retries != 0 {
		t.Errorf("retry on script_failure only: %d retries of runner system failures, want 0", other.Retries)
	}
	two := run("      retry: {max: 2, when: [runner_system_failure]}\n")
	if two.Retries == 0 || two.Lost >= none.Lost {
		t.Errorf("retry max 2: retries %d, lost %d (without retry %d): want retries and fewer losses", two.Retries, two.Lost, none.Lost)
	}
	if two.FailedAttempts < 3*two.Lost {
		t.Errorf("lost %d jobs with only %d failed attempts: a job is lost only after 3 failures", two.Lost, two.FailedAttempts)
	}
	plain := run("      retry: 2\n") // GitLab's short form retries any failure
	if plain.Retries != two.Retries || plain.Lost != two.Lost {
		t.Errorf("retry: 2 gave retries %d lost %d, want %d and %d as {max: 2}", plain.Retries, plain.Lost, two.Retries, two.Lost)
	}
}

const lifetime = `
name: lifetime
seed: 5
horizon: 240h
pools:
  - name: ci
    provisioning: PROVISIONING
    pricePerHour: 0.04
    allocatable: {cpu: "4", memory: 16Gi}
    min: 2
    max: 2
workloads:
  - name: web
    deployment:
      spec:
        replicas: 1
        selector: {matchLabels: {app: web}}
        template:
          metadata: {labels: {app: web}}
          spec:
            containers:
              - name: web
                image: nginx
                resources: {requests: {cpu: 100m}}
`

func TestPreemptibleLivesAtMost24h(t *testing.T) {
	t.Parallel()
	sc, err := sim.ParseScenario([]byte(strings.Replace(lifetime, "PROVISIONING", "preemptible", 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sim.Run(context.Background(), sc, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := r.Pools[0]
	if p.MaxNodeAge > 24*time.Hour {
		t.Errorf("oldest preemptible node lived %v, want at most 24h", p.MaxNodeAge)
	}
	// Two nodes for 10 days with no random preemption: each is recreated
	// about once a day, every time because of the cap.
	if p.Preemptions != p.LifetimeCaps || p.Preemptions < 18 || p.Preemptions > 22 {
		t.Errorf("preemptions %d (caps %d), want about 20, all at the cap", p.Preemptions, p.LifetimeCaps)
	}
}

func TestSpotHasNoLifetimeCap(t *testing.T) {
	t.Parallel()
	sc, err := sim.ParseScenario([]byte(strings.Replace(lifetime, "PROVISIONING", "spot", 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sim.Run(context.Background(), sc, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Pools[0]; p.Preemptions != 0 || p.MaxNodeAge < 240*time.Hour {
		t.Errorf("spot: %d preemptions, oldest node %v: want none and nodes as old as the run", p.Preemptions, p.MaxNodeAge)
	}
	bad := strings.Replace(lifetime, "PROVISIONING", "spot\n    preemption: {maxLifetime: 24h}", 1)
	if _, err := sim.ParseScenario([]byte(bad), nil); !errors.Is(err, sim.ErrInvalidScenario) || !strings.Contains(err.Error(), "no maximum lifetime") {
		t.Errorf("spot with maxLifetime: err %v, want ErrInvalidScenario saying Spot has no maximum lifetime", err)
	}
}

// TestPredicateCacheAgrees runs every embedded scenario with and without the
// per-(template, pool) predicate cache: the runs must be identical, down to
// the event count.
func TestPredicateCacheAgrees(t *testing.T) {
	t.Parallel()
	for _, name := range scenarios.Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sc, err := scenarios.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			sc.Horizon.Duration = 72 * time.Hour // the uncached run is slow
			cached, err := sim.Run(context.Background(), sc, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			uncached, err := sim.Run(context.Background(), sc, sim.Options{DisablePredicateCache: true})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cached, uncached) {
				t.Errorf("cached and uncached runs differ:\ncached   %+v\nuncached %+v", cached, uncached)
			}
			if cached.Attempts+cached.NeverScheduled == 0 {
				t.Errorf("no job attempted: the comparison proves nothing")
			}
		})
	}
}

// TestPerNodeSelectorBypassesCache: a pod pinned to one node by hostname
// cannot use the per-pool verdict; it must land on that node only.
func TestPerNodeSelectorBypassesCache(t *testing.T) {
	t.Parallel()
	const pinned = `
name: pinned
horizon: 48h
pools:
  - name: p
    provisioning: on-demand
    pricePerHour: 0.1
    allocatable: {cpu: "2", memory: 8Gi}
    min: 3
    max: 3
workloads:
  - name: ci
    pod:
      spec:
        nodeSelector: {kubernetes.io/hostname: p-2}
        containers:
          - name: build
            resources: {requests: {cpu: "1"}}
    jobs:
      arrivals: {perHour: 2}
      duration: {distribution: exponential, mean: 10m}
`
	for _, disable := range []bool{false, true} {
		sc, err := sim.ParseScenario([]byte(pinned), nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := sim.Run(context.Background(), sc, sim.Options{DisablePredicateCache: disable, Timeline: &sim.Window{From: 0, To: 48 * time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		if r.Succeeded == 0 || r.Succeeded != r.Jobs {
			t.Fatalf("uncached=%v: %d of %d jobs succeeded, want all", disable, r.Succeeded, r.Jobs)
		}
		// With one job slot (node p-2 fits two), at most two run at once.
		for _, pt := range r.Timeline.Points {
			if pt.Pods > 2 {
				t.Fatalf("uncached=%v: %d pods running at %v, want at most 2 (all on p-2)", disable, pt.Pods, pt.T)
			}
		}
	}
}

func TestRunIsReproducible(t *testing.T) {
	t.Parallel()
	a, err := scenarios.Load("post-taint-missing")
	if err != nil {
		t.Fatal(err)
	}
	b, err := scenarios.Load("post-taint-missing")
	if err != nil {
		t.Fatal(err)
	}
	ra, err := sim.Run(context.Background(), a, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rb, err := sim.Run(context.Background(), b, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(ra, rb) {
		t.Errorf("two runs with seed %d differ", a.Seed)
	}
	b.Seed++
	rc, err := sim.Run(context.Background(), b, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Jobs == ra.Jobs && rc.Cost == ra.Cost {
		t.Errorf("another seed gave the same run")
	}
}

func TestRunHonoursContext(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Load("post-tainted")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sim.Run(ctx, sc, sim.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}
