//go:build unix

package app

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bloglabs/posts/tools/pgtemp/pgtest"
)

// BenchmarkCLIReplicas starts N runonce processes together on a 1 s step and
// reports, as the in-process BenchmarkReplicas does, ms-before-step (process
// start, connections, ledger, lock, the step's own process start),
// ms-after-step (from the step's end to the last runonce exited: the
// holder's record, the waiters' wake-up, skip and exit) and
// ms-total-overhead (first start to last exit, minus the step's second).
//
//	go test -run '^$' -bench CLI -benchtime 1x ./runonce/cmd/runonce
func BenchmarkCLIReplicas(b *testing.B) {
	for _, n := range []int{5, 20} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			var before, after, total time.Duration
			for b.Loop() {
				b.StopTimer()
				dsn := pgtest.DB(b)
				out := filepath.Join(b.TempDir(), "lines")
				clis := make([]*replicaProc, n)
				for i := range n {
					clis[i] = newCLI(b, []string{"RUNONCE_LOG_LEVEL=warn"}, append([]string{"--dsn", dsn, "--name", "schema", "--version", "v1"},
						step("append", out, "1s")...)...)
				}
				b.StartTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for _, c := range clis {
					wg.Go(func() {
						if code := c.run(b); code != 0 {
							b.Errorf("exit %d: %s", code, c.stderr.String())
						}
					})
				}
				wg.Wait()
				done := time.Now()
				b.StopTimer()
				spans := readSpans(b, out)
				if len(spans) != 1 {
					b.Fatalf("the step ran %d times, want 1", len(spans))
				}
				before += time.Unix(0, spans[0].start).Sub(start)
				after += done.Sub(time.Unix(0, spans[0].end))
				total += done.Sub(start) - time.Second
				b.StartTimer()
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
			b.ReportMetric(ms(before), "ms-before-step")
			b.ReportMetric(ms(after), "ms-after-step")
			b.ReportMetric(ms(total), "ms-total-overhead")
		})
	}
}

// BenchmarkCLISkip is a replica started after the step succeeded: process
// start, one connect, one query, exit.
func BenchmarkCLISkip(b *testing.B) {
	dsn := pgtest.DB(b)
	args := append([]string{"--dsn", dsn, "--name", "schema", "--version", "v1"}, step("exit", "0")...)
	if code, _, log := runCLI(b, nil, args...); code != 0 {
		b.Fatalf("first run: %d %s", code, log)
	}
	for b.Loop() {
		if code, _, log := runCLI(b, []string{"RUNONCE_LOG_LEVEL=warn"}, args...); code != 0 {
			b.Fatalf("skip: %d %s", code, log)
		}
	}
}
