package engine

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/labs/demoapp"
	"github.com/bloglabs/posts/labs/report"
)

// deploy runs one deployment of s against a fresh database named db, until
// every replica is ready or has given up, a hang is diagnosed, or the timeout
// passes; then it stops the replicas and inspects the database.
func deploy(ctx context.Context, c Config, s Strategy, createIndex bool, db string) (*report.Result, error) {
	// A suffix of its own, so that labs can share a server (tests do).
	db += "_" + rand.Text()[:6]
	db = strings.ToLower(db)
	dsn, err := c.Postgres.CreateDatabase(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	d, err := s.Deployment(c.Replicas, dsn, c.Backfill, createIndex)
	if err != nil {
		return nil, err
	}
	rec := newRecorder(d.Replicas, d.PodName)
	w := newWatcher(c.Postgres.AdminDSN(), db, c.HangAfter)

	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watchErr := make(chan error, 1)
	go func() { watchErr <- w.run(watchCtx) }()

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runErr := make(chan error, 1)
	go func() { runErr <- c.Runtime.Run(runCtx, d, rec.sink) }()

	timeout := time.NewTimer(c.Timeout)
	defer timeout.Stop()
	var (
		timedOut    bool
		watchFailed error
		runReturned = false
		runErrVal   error
	)
wait:
	for {
		select {
		case <-rec.changed:
			if rec.settled() {
				break wait
			}
		case <-w.hungC:
			break wait
		case <-timeout.C:
			timedOut = true
			break wait
		case err := <-watchErr:
			// Without the watcher the lab cannot see hangs; say so rather
			// than report a partial truth.
			watchFailed = err
			watchErr = nil
			if err != nil {
				break wait
			}
		case err := <-runErr:
			runReturned, runErrVal = true, err
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	end := time.Now()
	rec.finish(end)
	stopWatch()
	stopRun()
	if !runReturned {
		runErrVal = <-runErr
	}
	if watchErr != nil {
		if err := <-watchErr; err != nil && watchFailed == nil {
			watchFailed = err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	// Whichever failed first ended the run; the other may only report
	// being cancelled by that (a runtime still setting up says "context
	// canceled" when the watcher's failure stopped it).
	if runErrVal != nil && (runReturned || watchFailed == nil) {
		return nil, fmt.Errorf("lab: runtime %s: %w", c.Runtime.Name(), runErrVal)
	}
	if watchFailed != nil {
		return nil, watchFailed
	}
	// A replica's work can outlive its process on the server (a statement
	// whose client was killed runs on until it notices). End it, so that
	// the check reads a database at rest.
	if err := terminateBackends(ctx, c.Postgres.AdminDSN(), db); err != nil {
		return nil, err
	}
	in, err := demoapp.Inspect(ctx, dsn, createIndex)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	peak, hang := w.result()
	res := &report.Result{
		Lab:             string(s),
		Title:           s.Title(c.Replicas, createIndex),
		Runtime:         c.Runtime.Name(),
		Postgres:        c.Postgres.Describe(),
		Replicas:        c.Replicas,
		Strategy:        string(s),
		CreateIndex:     createIndex,
		Backfill:        c.Backfill.Seconds(),
		ReplicaOutcomes: rec.replicas(in.RunsByHolder),
		RunsOfStep:      in.RunsOfStep,
		PeakConnections: peak,
		Hang:            hang,
		DBOK:            in.OK(),
		DBProblems:      append([]string{}, in.Problems...),
		Seconds:         rec.since(end),
	}
	last, allReady := 0.0, true
	for _, r := range res.ReplicaOutcomes {
		res.Crashes += r.Crashes
		if r.Outcome == report.Hung {
			res.Hangs++
		}
		if r.SecondsToReady == nil {
			allReady = false
		} else {
			last = max(last, *r.SecondsToReady)
		}
	}
	if allReady {
		res.SecondsToLastReady = &last
	}
	if res.Hang == "" && res.Hangs > 0 && timedOut {
		res.Hang = fmt.Sprintf("%d replicas were neither ready nor crash-looping when the %s timeout ended the run", res.Hangs, c.Timeout)
	}
	return res, nil
}

func terminateBackends(ctx context.Context, adminDSN, db string) error {
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return fmt.Errorf("lab: connect to end leftover sessions: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = $1 AND pid <> pg_backend_pid()) t`, db).Scan(&left); err != nil {
			return fmt.Errorf("lab: end leftover sessions: %w", err)
		}
		if left == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("lab: sessions of the lab's database would not end within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
