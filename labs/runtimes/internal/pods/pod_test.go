package pods_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/internal/pods"
	"github.com/bloglabs/posts/labs/spec"
)

// A crashing container is restarted after a back-off that doubles up to its
// cap, then the pod gives up: no restart comes before its back-off.
func TestRunBacksOffThenGivesUp(t *testing.T) {
	t.Parallel()
	policy := runtimes.RestartPolicy{BackoffInitial: 50 * time.Millisecond, BackoffMax: 120 * time.Millisecond, MaxRestarts: 3}
	p := pods.Pod{Index: 0, Name: "crash-0", Spec: spec.Deployment{Name: "crash", Replicas: 1, Container: spec.Container{Name: "app", Command: []string{"x"}}}}
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu  sync.Mutex
		evs []runtimes.Event
	)
	emit := pods.Serialize(func(e runtimes.Event) {
		mu.Lock()
		defer mu.Unlock()
		evs = append(evs, e)
		if e.Kind == runtimes.GaveUp {
			cancel()
		}
	})
	pods.Run(ctx, p, policy, func(ctx context.Context, a pods.Attempt) (int, string) {
		emit(p.StartEvent(a, time.Now()))
		return 3, "boom"
	}, emit)

	mu.Lock()
	defer mu.Unlock()
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, string(e.Kind))
	}
	want := "started crashed restarted crashed restarted crashed restarted crashed gave-up"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("events:\n got %s\nwant %s", got, want)
	}
	for k, gap := range []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 120 * time.Millisecond} {
		crash, restart := evs[1+2*k], evs[2+2*k]
		if got := restart.Time.Sub(crash.Time); got < gap {
			t.Errorf("restart %d came %v after the crash, want >= %v (the back-off)", k+1, got, gap)
		}
		if restart.Attempt != k+1 || restart.Detail != "restart "+string(rune('1'+k))+" of the pod" {
			t.Errorf("restart %d: attempt %d, detail %q", k+1, restart.Attempt, restart.Detail)
		}
	}
}
