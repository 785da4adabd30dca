//go:build unix

package app

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/tools/pgtemp/pgtest"
)

// BenchmarkCLIReplicas starts N runonce processes together on a 1 s step and
// reports, as the in-process BenchmarkReplicas does, ms-before-step (process
// start, connections, ledger, lock, the step's own process start),
// ms-after-step (from the step's end to the last runonce exited: the
// holder's record, the waiters' wake-up, skip and exit) and
// ms-total-overhead (first start to last exit, minus the step's second).
// ms-after-step is split where the time goes: ms-commit (the step's end to
// the holder's COMMIT of the result, by the ledger's finished_at: the
// command's exit and reaping, ending its sessions, the record), ms-skip-max
// (the COMMIT to the last waiter's "skipped" log line: the NOTIFY, the
// wake-up and the one confirming query) and ms-exit-max (a waiter's skip to
// its process reaped: closing two connections and the process exit).
//
//	go test -run '^$' -bench CLI -benchtime 1x ./runonce/cmd/runonce
func BenchmarkCLIReplicas(b *testing.B) {
	for _, n := range []int{5, 20} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			var before, after, total, commit, skipMax, exitMax time.Duration
			for b.Loop() {
				b.StopTimer()
				dsn := pgtest.DB(b)
				out := filepath.Join(b.TempDir(), "lines")
				clis := make([]*replicaProc, n)
				for i := range n {
					clis[i] = newCLI(b, []string{"RUNONCE_LOG_LEVEL=info"}, append([]string{"--dsn", dsn, "--name", "schema", "--version", "v1"},
						step("append", out, "1s")...)...)
				}
				b.StartTimer()
				start := time.Now()
				var wg sync.WaitGroup
				exits := make([]time.Time, n)
				for i, c := range clis {
					wg.Go(func() {
						if code := c.run(b); code != 0 {
							b.Errorf("exit %d: %s", code, c.stderr.String())
						}
						exits[i] = time.Now()
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
				c, s, e := splitAfter(b, dsn, time.Unix(0, spans[0].end), clis, exits)
				commit, skipMax, exitMax = commit+c, skipMax+s, exitMax+e
				b.StartTimer()
			}
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
			b.ReportMetric(ms(before), "ms-before-step")
			b.ReportMetric(ms(after), "ms-after-step")
			b.ReportMetric(ms(total), "ms-total-overhead")
			b.ReportMetric(ms(commit), "ms-commit")
			b.ReportMetric(ms(skipMax), "ms-skip-max")
			b.ReportMetric(ms(exitMax), "ms-exit-max")
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

// splitAfter splits the time after the step (see BenchmarkCLIReplicas).
func splitAfter(b *testing.B, dsn string, stepEnd time.Time, clis []*replicaProc, exits []time.Time) (commit, skipMax, exitMax time.Duration) {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var fin time.Time
	if err := conn.QueryRow(ctx, `SELECT finished_at FROM runonce.runs WHERE status = 'succeeded'`).Scan(&fin); err != nil {
		b.Fatal(err)
	}
	for i, c := range clis {
		for _, l := range strings.Split(c.stderr.String(), "\n") {
			m := logTime.FindStringSubmatch(l)
			if m == nil || !strings.Contains(l, "skipped") {
				continue
			}
			at, err := time.Parse(time.RFC3339Nano, m[1])
			if err != nil {
				continue
			}
			skipMax = max(skipMax, at.Sub(fin))
			exitMax = max(exitMax, exits[i].Sub(at))
		}
	}
	return fin.Sub(stepEnd), skipMax, exitMax
}

// logTime is the time of a text log line (millisecond resolution).
var logTime = regexp.MustCompile(`time=(\S+)`)
