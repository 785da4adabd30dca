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
	"github.com/bloglabs/posts/labs/spec"
)

// deploy runs one deployment of s, the lab's run-th, against a fresh
// database named db, until every replica is ready or has given up, a hang is
// diagnosed, or the timeout passes; then it stops the replicas and inspects
// the database.
func deploy(ctx context.Context, c Config, run int, s Strategy, createIndex bool, db string) (*report.Result, error) {
	// A suffix of its own, so that labs can share a server (tests do).
	db = strings.ToLower(db + "_" + rand.Text()[:6])
	dsn, err := c.Postgres.CreateDatabase(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	d, err := s.Deployment(Params{Replicas: c.Replicas, DSN: dsn, Backfill: c.Backfill, CreateIndex: createIndex})
	if err != nil {
		return nil, err
	}
	rec := newRecorder(d.Replicas, d.PodName)
	if c.Observe != nil {
		rec.tell = func(u Update) { u.Run = run; c.Observe(u) }
		names := make([]string, d.Replicas)
		for i := range names {
			names[i] = d.PodName(i)
		}
		c.observe(Update{Kind: Deploying, Run: run, Time: time.Now(), Names: names, Deployment: header(c, s, createIndex)})
	}
	w := newWatcher(c.Postgres.AdminDSN(), db, c.HangAfter)
	e := runUntilSettled(ctx, c, d, rec, w)
	if err := e.err(ctx, c.Runtime.Name()); err != nil {
		return nil, err
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
	res := header(c, s, createIndex)
	res.ReplicaOutcomes = rec.replicas(in.RunsByHolder)
	res.RunsOfStep = in.RunsOfStep
	res.PeakConnections, res.Hang = peak, hang
	res.DBOK, res.DBProblems = in.OK(), append([]string{}, in.Problems...)
	res.Seconds = rec.since(e.at)
	tally(res, e.timedOut, c.Timeout)
	return res, nil
}

// header is a deployment's result before it runs: what is deployed, where.
func header(c Config, s Strategy, createIndex bool) *report.Result {
	return &report.Result{
		Lab:         string(s),
		Title:       s.Title(c.Replicas, createIndex),
		Runtime:     c.Runtime.Name(),
		Postgres:    c.Postgres.Describe(),
		Replicas:    c.Replicas,
		Strategy:    string(s),
		CreateIndex: createIndex,
		Backfill:    c.Backfill.Seconds(),
	}
}

// ending is how a deployment's run ended.
type ending struct {
	at       time.Time
	timedOut bool
	// runReturned: the runtime returned before the run was ended (runErr
	// is then its own failure, not a consequence of being stopped).
	runReturned bool
	runErr      error
	watchErr    error
}

// runUntilSettled runs the deployment and the watcher until the replicas
// settle, a hang is diagnosed, the timeout passes, either fails, or ctx is
// done; then it stops both and waits for them.
func runUntilSettled(ctx context.Context, c Config, d spec.Deployment, rec *recorder, w *watcher) ending {
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	watchErr := make(chan error, 1)
	go func() { watchErr <- w.run(watchCtx) }()

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runErr := make(chan error, 1)
	go func() { runErr <- c.Runtime.Run(runCtx, d, rec.sink) }()

	e := waitForEnd(ctx, c.Timeout, rec, w, &watchErr, runErr)
	e.at = time.Now()
	rec.finish(e.at)
	stopWatch()
	stopRun()
	if !e.runReturned {
		e.runErr = <-runErr
	}
	if watchErr != nil {
		if err := <-watchErr; err != nil && e.watchErr == nil {
			e.watchErr = err
		}
	}
	return e
}

// waitForEnd waits for whatever ends the run first. A watcher that returns
// without an error (it only does when stopped) is set aside: *watchErr
// becomes nil once it has been received.
func waitForEnd(ctx context.Context, timeout time.Duration, rec *recorder, w *watcher, watchErr *chan error, runErr <-chan error) ending {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		select {
		case <-rec.changed:
			if rec.settled() {
				return ending{}
			}
		case <-w.hungC:
			return ending{}
		case <-t.C:
			return ending{timedOut: true}
		case err := <-*watchErr:
			*watchErr = nil
			// Without the watcher the lab cannot see hangs; say so rather
			// than report a partial truth.
			if err != nil {
				return ending{watchErr: err}
			}
		case err := <-runErr:
			return ending{runReturned: true, runErr: err}
		case <-ctx.Done():
			return ending{}
		}
	}
}

// err is the deployment's error, if the run failed. Whichever failed first
// ended the run; the other may only report being cancelled by that (a
// runtime still setting up says "context canceled" when the watcher's
// failure stopped it).
func (e ending) err(ctx context.Context, runtime string) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("lab: %w", ctx.Err())
	case e.runErr != nil && (e.runReturned || e.watchErr == nil):
		return fmt.Errorf("lab: runtime %s: %w", runtime, e.runErr)
	case e.watchErr != nil:
		return e.watchErr
	}
	return nil
}

// tally adds up the replicas' crashes, hangs and time to the last ready,
// and says why replicas hung when the timeout, not the watcher, found them.
func tally(res *report.Result, timedOut bool, timeout time.Duration) {
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
		res.Hang = fmt.Sprintf("%d replicas were neither ready nor crash-looping when the %s timeout ended the run", res.Hangs, timeout)
	}
}

// terminateBackends ends every session of the lab's database, and waits
// (up to 10 s, or ctx) until none is left.
func terminateBackends(ctx context.Context, adminDSN, db string) error {
	conn, err := pgx.Connect(ctx, adminDSN)
	if err != nil {
		return fmt.Errorf("lab: connect to end leftover sessions: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var left int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = $1 AND pid <> pg_backend_pid()) t`, db).Scan(&left); err != nil {
			return fmt.Errorf("lab: end leftover sessions: %w", err)
		}
		if left == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return errors.New("lab: sessions of the lab's database would not end within 10s")
			}
			return fmt.Errorf("lab: end leftover sessions: %w", ctx.Err())
		case <-tick.C:
		}
	}
}
