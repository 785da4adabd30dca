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

// strategy runs one replica's start-up: the step, under some lock.
type strategy func(ctx context.Context, dsn string, replica int) error

func runonceStrategy(ctx context.Context, dsn string, replica int) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return err
	}
	_, err = runonce.Do(ctx, cfg, runonce.Options{Name: "schema", Version: "v1", Holder: fmt.Sprint("r", replica), Logger: quiet()},
		func(ctx context.Context) error { time.Sleep(benchStep); return nil })
	return err
}

// gooseStrategy is the peer: goose's own session locker with its defaults
// (it polls pg_try_advisory_lock every 5 s), one non-transactional migration.
func gooseStrategy(ctx context.Context, dsn string, replica int) error {
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
		time.Sleep(benchStep)
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

// BenchmarkReplicas starts N replicas together on a 1 s step and reports how
// long after the step's own second the last replica was done (ms-after-step),
// for runonce and for goose's session locker in the same run.
//
//	go test -run '^$' -bench Replicas -benchtime 1x ./runonce
func BenchmarkReplicas(b *testing.B) {
	for _, s := range []struct {
		name string
		fn   strategy
	}{{"runonce", runonceStrategy}, {"goose-session-locker", gooseStrategy}} {
		for _, n := range []int{5, 20} {
			b.Run(fmt.Sprintf("%s/N=%d", s.name, n), func(b *testing.B) {
				var total time.Duration
				for b.Loop() {
					b.StopTimer()
					dsn := pgtest.DB(b)
					b.StartTimer()
					start := time.Now()
					var wg sync.WaitGroup
					for i := range n {
						wg.Go(func() {
							if err := s.fn(context.Background(), dsn, i); err != nil {
								b.Errorf("replica %d: %v", i, err)
							}
						})
					}
					wg.Wait()
					total += time.Since(start) - benchStep
				}
				b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms-after-step")
			})
		}
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
