package sim_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// BenchmarkSimulate measures simulated jobs per second on a busy CI (about
// 10^6 jobs a month on up to 150 nodes, with preemption and retries). The
// cluster is the same at every size and only the simulated time grows, so
// jobs/s should stay flat: the run time grows linearly with jobs.
// "uncached" is the peer: the same runs evaluating the scheduler predicates
// for every (pod, node) pair instead of once per (pod template, pool).
func BenchmarkSimulate(b *testing.B) {
	data, err := os.ReadFile("testdata/busy.yaml")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1e4, 1e5, 1e6} {
		for _, mode := range []string{"cached", "uncached"} {
			if mode == "uncached" && n > 1e5 {
				continue // minutes per run; the ratio is clear at 10^5
			}
			b.Run(fmt.Sprintf("jobs=%d/%s", n, mode), func(b *testing.B) {
				sc, err := sim.ParseScenario(data, nil)
				if err != nil {
					b.Fatal(err)
				}
				sc.MaxJobs = n
				opts := sim.Options{DisablePredicateCache: mode == "uncached"}
				var jobs int
				for b.Loop() {
					r, err := sim.Run(context.Background(), sc, opts)
					if err != nil {
						b.Fatal(err)
					}
					jobs += r.Jobs
				}
				b.ReportMetric(float64(jobs)/b.Elapsed().Seconds(), "jobs/s")
			})
		}
	}
}
