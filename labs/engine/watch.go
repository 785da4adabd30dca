package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// watcher samples pg_stat_activity from the server's maintenance database
// (so that it is neither counted nor waited for by a CREATE INDEX
// CONCURRENTLY in the lab's database): the peak number of client
// connections, and a CREATE INDEX CONCURRENTLY stuck waiting for other
// transactions — the hang the post's LOCK TABLE recipe causes.
type watcher struct {
	adminDSN  string
	db        string
	hangAfter time.Duration
	period    time.Duration

	mu    sync.Mutex
	peak  int
	hang  string
	hungC chan struct{} // closed when a hang is diagnosed
}

func newWatcher(adminDSN, db string, hangAfter time.Duration) *watcher {
	return &watcher{adminDSN: adminDSN, db: db, hangAfter: hangAfter, period: 50 * time.Millisecond, hungC: make(chan struct{})}
}

func (w *watcher) run(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, w.adminDSN)
	if err != nil {
		return fmt.Errorf("lab: watch pg_stat_activity: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	waitingSince := map[int32]time.Time{}
	t := time.NewTicker(w.period)
	defer t.Stop()
	for {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`, w.db).Scan(&n); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("lab: sample pg_stat_activity: %w", err)
		}
		w.mu.Lock()
		w.peak = max(w.peak, n)
		w.mu.Unlock()
		if err := w.checkHang(ctx, conn, waitingSince); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// checkHang notes each CREATE INDEX CONCURRENTLY waiting on another
// transaction's virtualxid (it waits for every older snapshot to go) and
// diagnoses a hang when one has waited hangAfter.
func (w *watcher) checkHang(ctx context.Context, conn *pgx.Conn, since map[int32]time.Time) error {
	rows, err := conn.Query(ctx, `
		SELECT a.pid, a.application_name,
		       coalesce((SELECT string_agg(b.application_name || ' (' ||
		                    CASE WHEN b.wait_event_type = 'Lock' THEN 'blocked in: ' ELSE b.state || ': ' END ||
		                    left(regexp_replace(b.query, '\s+', ' ', 'g'), 60) || ')', ', ' ORDER BY b.application_name)
		                 FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid))), '')
		FROM pg_stat_activity a
		WHERE a.datname = $1 AND a.wait_event_type = 'Lock' AND a.wait_event = 'virtualxid'
		  AND a.query ILIKE '%INDEX%CONCURRENTLY%'`, w.db)
	if err != nil {
		return fmt.Errorf("lab: look for stuck CREATE INDEX CONCURRENTLY: %w", err)
	}
	type stuck struct {
		pid      int32
		app, why string
	}
	var now []stuck
	var s stuck
	if _, err := pgx.ForEachRow(rows, []any{&s.pid, &s.app, &s.why}, func() error { now = append(now, s); return nil }); err != nil {
		return fmt.Errorf("lab: look for stuck CREATE INDEX CONCURRENTLY: %w", err)
	}
	seen := map[int32]bool{}
	for _, s := range now {
		seen[s.pid] = true
		first, ok := since[s.pid]
		if !ok {
			since[s.pid] = time.Now()
			continue
		}
		if waited := time.Since(first); waited >= w.hangAfter {
			w.mu.Lock()
			if w.hang == "" {
				w.hang = fmt.Sprintf("%s's CREATE INDEX CONCURRENTLY waited %.1fs for %s", s.app, waited.Seconds(), strings.TrimSpace(s.why))
				if strings.Contains(s.why, "blocked in:") {
					// The waiter waits for a lock; when nothing else moves, its
					// holder is the index's own replica, waiting for the index.
					w.hang += fmt.Sprintf(", which waits for the lock %s holds until this very index is built: a cycle Postgres cannot see, so it never breaks", s.app)
				}
				w.hang += "; the lab cut the run short"
				close(w.hungC)
			}
			w.mu.Unlock()
		}
	}
	for pid := range since {
		if !seen[pid] {
			delete(since, pid)
		}
	}
	return nil
}

func (w *watcher) result() (peak int, hang string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak, w.hang
}
