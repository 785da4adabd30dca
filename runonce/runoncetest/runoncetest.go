package runoncetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/runonce"
)

// Replicas is how many callers the tests start together.
const Replicas = 20

type span struct{ start, end time.Time }

// run starts Replicas calls of runonce.Do at once, each with a step that
// takes stepTime, and returns the spans of the steps that ran and the results.
func run(t *testing.T, cfg *pgx.ConnConfig, opts runonce.Options, stepTime time.Duration) ([]span, []runonce.Result) {
	t.Helper()
	var mu sync.Mutex
	var spans []span
	results := make([]runonce.Result, Replicas)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for i := range Replicas {
		wg.Go(func() {
			o := opts
			o.Holder = fmt.Sprintf("%s-replica-%d", opts.Holder, i)
			<-release
			res, err := runonce.Do(context.Background(), cfg, o, func(ctx context.Context) error {
				s := time.Now()
				select {
				case <-time.After(stepTime):
				case <-ctx.Done():
					return ctx.Err()
				}
				mu.Lock()
				spans = append(spans, span{s, time.Now()})
				mu.Unlock()
				return nil
			})
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
			}
			results[i] = res
		})
	}
	close(release)
	wg.Wait()
	return spans, results
}

func checkNoOverlap(t *testing.T, spans []span) {
	t.Helper()
	slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
	for i := 1; i < len(spans); i++ {
		if spans[i].start.Before(spans[i-1].end) {
			t.Errorf("steps %d and %d overlap by %v", i-1, i, spans[i-1].end.Sub(spans[i].start))
		}
	}
}

// TestExactlyOnce checks that Replicas callers started together with the same
// opts.Version run the step exactly once, that the others skip, and that all
// succeed. opts.Version must be set and unused in the database.
func TestExactlyOnce(t *testing.T, cfg *pgx.ConnConfig, opts runonce.Options) {
	t.Helper()
	if opts.Version == "" {
		t.Fatal("runoncetest: TestExactlyOnce needs opts.Version")
	}
	spans, results := run(t, cfg, opts, 200*time.Millisecond)
	if len(spans) != 1 {
		t.Errorf("the step ran %d times, want exactly 1", len(spans))
	}
	skipped := 0
	for _, r := range results {
		if r.Skipped {
			skipped++
		}
	}
	if skipped != Replicas-1 {
		t.Errorf("%d callers skipped, want %d", skipped, Replicas-1)
	}
}

// TestSerialized checks that Replicas callers with no version all run the
// step, never two at once.
func TestSerialized(t *testing.T, cfg *pgx.ConnConfig, opts runonce.Options) {
	t.Helper()
	opts.Version = ""
	spans, _ := run(t, cfg, opts, 20*time.Millisecond)
	if len(spans) != Replicas {
		t.Errorf("the step ran %d times, want %d", len(spans), Replicas)
	}
	checkNoOverlap(t, spans)
}
