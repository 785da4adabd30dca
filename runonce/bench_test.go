package runonce_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/bloglabs/posts/runonce"
	"github.com/bloglabs/posts/tools/pgtemp/pgtest"
)

const benchStep = time.Second

// stepClock records when the step started and ended, whichever replica ran it.
type stepClock struct {
	mu         sync.Mutex
	start, end time.Time
}

func (c *stepClock) step() {
	c.mu.Lock()
	c.start = time.Now()
	c.mu.Unlock()
	time.Sleep(benchStep)
	c.mu.Lock()
	c.end = time.Now()
	c.mu.Unlock()
}

// strategy runs one replica's start-up: the step, under some lock.
type strategy func(ctx context.Context, dsn string, replica int, clock *stepClock) error

func runonceStrategy(ctx context.Context, dsn string, replica int, clock *stepClock) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	_, err = runonce.Do(ctx, cfg, runonce.Options{Name: "schema", Version: "v1", Holder: fmt.Sprint("r", replica), Logger: quiet()},
		func(ctx context.Context) error { clock.step(); return nil })
	return err
}

// gooseStrategy is the peer: goose's own session locker with its defaults
// (it polls pg_try_advisory_lock every 5 s), one non-transactional migration.
func gooseStrategy(ctx context.Context, dsn string, replica int, clock *stepClock) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	step := goose.NewGoMigration(1, &goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error {
		clock.step()
		return nil
	}}, nil)
	p, err := goose.NewProvider(goose.DialectPostgres, db, nil,
		goose.WithSessionLocker(locker), goose.WithGoMigrations(step), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// connectOnly is the floor under any strategy: each replica opens the two
// sessions runonce opens, and does nothing else. Its ms-before-step is what
// 2N simultaneous connections cost on this machine.
func connectOnly(ctx context.Context, dsn string, replica int, clock *stepClock) error {
	var conns []*pgx.Conn
	defer func() {
		for _, c := range conns {
			_ = c.Close(ctx)
		}
	}()
	for range 2 {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		conns = append(conns, c)
	}
	return nil
}

// BenchmarkReplicas starts N replicas together on a 1 s step, for runonce
// and for goose's session locker in the same run, and reports where the
// time beyond the step goes:
//
//   - ms-before-step: from the start to the step's start (connections,
//     ledger creation, the lock);
//   - ms-after-step: from the step's end to the last replica done (the
//     holder's record and release, the waiters' wake-up and skip);
//   - ms-total-overhead: the whole run minus the step's second.
//
// connect-only/N is the floor: 2N connections opened at once, nothing else
// (its ms-before-step is the time they take).
//
//	go test -run '^$' -bench Replicas -benchtime 1x ./runonce
func BenchmarkReplicas(b *testing.B) {
	for _, s := range []struct {
		name string
		fn   strategy
	}{{"connect-only", connectOnly}, {"runonce", runonceStrategy}, {"goose-session-locker", gooseStrategy}} {
		for _, n := range []int{5, 20} {
			b.Run(fmt.Sprintf("%s/N=%d", s.name, n), func(b *testing.B) {
				var before, after, total time.Duration
				for b.Loop() {
					b.StopTimer()
					dsn := pgtest.DB(b)
					b.StartTimer()
					var clock stepClock
					start := time.Now()
					var wg sync.WaitGroup
					for i := range n {
						wg.Go(func() {
							if err := s.fn(context.Background(), dsn, i, &clock); err != nil {
								b.Errorf("replica %d: %v", i, err)
							}
						})
					}
					wg.Wait()
					done := time.Now()
					if clock.start.IsZero() { // connect-only: no step
						before += done.Sub(start)
						continue
					}
					before += clock.start.Sub(start)
					after += done.Sub(clock.end)
					total += done.Sub(start) - benchStep
				}
				reportSplit(b, before, after, total)
			})
		}
	}
}

// reportSplit reports the per-run means of the three parts of the overhead.
func reportSplit(b *testing.B, before, after, total time.Duration) {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(ms(before), "ms-before-step")
	if total > 0 {
		b.ReportMetric(ms(after), "ms-after-step")
		b.ReportMetric(ms(total), "ms-total-overhead")
	}
}

// BenchmarkSkip is a replica arriving after the step succeeded: one connect
// and one query.
func BenchmarkSkip(b *testing.B) {
	cfg, err := pgx.ParseConfig(pgtest.DB(b))
	if err != nil {
		b.Fatal(err)
	}
	opts := runonce.Options{Name: "schema", Version: "v1", Logger: quiet()}
	if _, err := runonce.Do(context.Background(), cfg, opts, func(context.Context) error { return nil }); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		res, err := runonce.Do(context.Background(), cfg, opts, func(context.Context) error { return nil })
		if err != nil || !res.Skipped {
			b.Fatalf("skipped=%v err=%v", res.Skipped, err)
		}
	}
}
