package sim_test

import (
	"context"
	"math"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// erlangC returns, for an M/M/c queue with offered load a = λ/μ Erlangs,
// the probability that an arrival waits, computed independently of the
// simulator with the usual recurrence on Erlang B (numerically stable):
// B(0) = 1, B(k) = a·B(k-1) / (k + a·B(k-1)), C = c·B / (c − a·(1 − B)).
func erlangC(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return float64(c) * b / (float64(c) - a*(1-b))
}

// mmc is the simulator reduced to M/M/c: c fixed nodes that fit one job
// each, Poisson arrivals, exponential durations, no preemption, no runner
// limit, no poll timeout.
func mmc(c int, lambdaPerHour float64, mean time.Duration, jobs int, seed uint64) *sim.Scenario {
	return &sim.Scenario{
		Name:    "mmc",
		Seed:    seed,
		Horizon: metav1.Duration{Duration: 1e6 * time.Hour},
		MaxJobs: jobs,
		Pools: []sim.Pool{{
			Name:         "servers",
			Provisioning: sim.Fixed,
			Allocatable:  corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("4Gi")},
			Min:          c,
		}},
		Workloads: []sim.Workload{{
			Name: "jobs",
			Pod: &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Name:      "build",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}},
			}}}},
			Jobs: &sim.Jobs{
				Arrivals: sim.Arrivals{PerHour: lambdaPerHour},
				Duration: sim.Duration{Distribution: "exponential", Mean: metav1.Duration{Duration: mean}},
			},
		}},
	}
}

// TestErlangC checks the simulator against queueing theory where the model
// reduces to M/M/c: mean queue wait Wq = C(c, a) / (cμ − λ) and
// P(wait > 0) = C(c, a), over a long run, within a few percent.
func TestErlangC(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		c    int
		rho  float64
	}{
		{"c=1 rho=0.7", 1, 0.7},
		{"c=4 rho=0.8", 4, 0.8},
		{"c=12 rho=0.85", 12, 0.85},
	}
	const mean = 10 * time.Minute
	jobs := 400_000
	if testing.Short() {
		jobs = 150_000 // still a long run: about 0.1 s each
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mu := 1 / mean.Seconds()
			a := tc.rho * float64(tc.c)
			lambda := a * mu
			pWait := erlangC(tc.c, a)
			wq := pWait / (float64(tc.c)*mu - lambda)

			r, err := sim.Run(context.Background(), mmc(tc.c, lambda*3600, mean, jobs, 42), sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Succeeded != jobs || r.Wait.N != jobs {
				t.Fatalf("succeeded %d, waits %d: want %d each", r.Succeeded, r.Wait.N, jobs)
			}
			relW := (r.Wait.MeanSeconds - wq) / wq
			relP := (r.Wait.Delayed - pWait) / pWait
			t.Logf("%s: mean wait: simulated %.1f s, Erlang C %.1f s (%+.1f%%); P(wait>0): simulated %.4f, Erlang C %.4f (%+.1f%%)",
				tc.name, r.Wait.MeanSeconds, wq, 100*relW, r.Wait.Delayed, pWait, 100*relP)
			if math.Abs(relW) > 0.05 {
				t.Errorf("mean wait %.1f s, want %.1f s ± 5%%", r.Wait.MeanSeconds, wq)
			}
			if math.Abs(relP) > 0.03 {
				t.Errorf("P(wait>0) %.4f, want %.4f ± 3%%", r.Wait.Delayed, pWait)
			}
		})
	}
}

func TestErlangCFormula(t *testing.T) {
	t.Parallel()
	// Textbook values: M/M/1 waits with probability ρ; c=2, a=1 gives 1/3.
	for _, tc := range []struct {
		c    int
		a    float64
		want float64
	}{{1, 0.7, 0.7}, {2, 1, 1.0 / 3}, {3, 2, 4.0 / 9}} {
		if got := erlangC(tc.c, tc.a); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("erlangC(%d, %v) = %v, want %v", tc.c, tc.a, got, tc.want)
		}
	}
}
