package live

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/live/livetest"
	"github.com/bloglabs/posts/labs/report"
)

// A browser that falls behind is dropped, reconnects by itself (the page's
// EventSource, with Last-Event-ID) and ends with every event, in order, and
// nothing twice.
func TestBrowserDroppedReconnectsAndCatchesUp(t *testing.T) {
	ctx := livetest.Browser(t, 1280, 720)
	s, err := Live("127.0.0.1:0", "race")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	s.hub.queue = 2 // so that a burst overflows it
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL())); err != nil {
		t.Fatal(err)
	}
	const reps, each = 10, 60
	names := make([]string, reps)
	for i := range names {
		names[i] = fmt.Sprintf("demo-%d", i)
	}
	s.Observe(engine.Update{Kind: engine.Deploying, Time: time.Now(), Names: names, Deployment: &report.Result{Backfill: 1.5}})
	s.Observe(engine.Update{Kind: engine.Released, Time: time.Now()})
	for k := range each {
		for i := range reps {
			s.Observe(engine.Update{Kind: engine.ReplicaEvent, Time: time.Now(), Replica: i, Index: k,
				Event: &report.Event{At: float64(k) / 10, Kind: "crashed", Detail: fmt.Sprintf("attempt %d", k)}})
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.End(&report.Result{Lab: "race", Verdict: "made up"}, nil)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.liveStats && window.liveStats.ended`, chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("the page never got the end: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.lane')].map((l) =>
		[...l.querySelectorAll('.ev')].map((m) => m.dataset.index + ':' + m.dataset.detail).join(' '))`))
	if err != nil {
		t.Fatal(err)
	}
	for i, lane := range got {
		want := ""
		for k := range each {
			if k > 0 {
				want += " "
			}
			want += fmt.Sprintf("%d:attempt %d", k, k)
		}
		if lane != want {
			t.Errorf("lane %d: %q, want every event once, in order", i, lane)
		}
	}
	s.hub.mu.Lock()
	dropped := s.hub.dropped
	s.hub.mu.Unlock()
	if dropped == 0 {
		t.Error("the browser was never dropped: the test did not test a reconnect")
	}
	t.Logf("the browser was dropped %d times and caught up each time", dropped)
}
