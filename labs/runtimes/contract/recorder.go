package contract

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/spec"
)

// Runtime is what the contract runs: the lab engine's Runtime (labs/engine),
// which every runtime implements.
type Runtime interface {
	Name() string
	Run(ctx context.Context, d spec.Deployment, sink func(runtimes.Event)) error
}

// Recorder keeps the events a runtime reports. Its Sink may be called from
// any goroutine; the runtime contract says one call at a time, and the
// recorder does not rely on it.
type Recorder struct {
	mu     sync.Mutex
	events []runtimes.Event
	notify chan struct{}
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{notify: make(chan struct{}, 1)} }

// Sink records e.
func (r *Recorder) Sink(e runtimes.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

// Events is every event so far, in the order the runtime reported them.
func (r *Recorder) Events() []runtimes.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]runtimes.Event(nil), r.events...)
}

// Count is the number of events of kind so far.
func (r *Recorder) Count(kind runtimes.EventKind) int {
	n := 0
	for _, e := range r.Events() {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// Of is replica's events so far, output lines left out.
func (r *Recorder) Of(replica int) []runtimes.Event {
	var out []runtimes.Event
	for _, e := range r.Events() {
		if e.Replica == replica && e.Kind != runtimes.Output {
			out = append(out, e)
		}
	}
	return out
}

// Story is replica's events as one line, "KIND/CONTAINER ...", output
// left out: what the scenarios compare.
func (r *Recorder) Story(replica int) string {
	var s []string
	for _, e := range r.Of(replica) {
		// A pod gives up as a whole; Kubernetes names the container it
		// waited on, the other runtimes none.
		if e.Container == "" || e.Kind == runtimes.GaveUp {
			s = append(s, string(e.Kind))
			continue
		}
		s = append(s, string(e.Kind)+"/"+e.Container)
	}
	return strings.Join(s, " ")
}

// Dump is every event, one a line, for a failure message.
func (r *Recorder) Dump() string {
	var b strings.Builder
	for _, e := range r.Events() {
		fmt.Fprintf(&b, "  %s replica=%d pod=%s %s container=%s attempt=%d exit=%d %q\n",
			e.Time.Format("15:04:05.000"), e.Replica, e.Pod, e.Kind, e.Container, e.Attempt, e.ExitCode, e.Detail)
	}
	return b.String()
}

// RunUntil runs d on rt until cond holds, then stops the run and waits for
// Run to return. It fails the test when cond does not hold within timeout,
// when Run returns early or with an error, or when Run does not return
// within a minute of being stopped.
func RunUntil(t testing.TB, rt Runtime, d spec.Deployment, rec *Recorder, timeout time.Duration, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx, d, rec.Sink) }()
	for !cond() {
		select {
		case <-rec.notify:
		case err := <-done:
			t.Fatalf("%s: Run returned before the scenario was over: %v; events:\n%s", rt.Name(), err, rec.Dump())
		case <-ctx.Done():
			cancel()
			<-done
			t.Fatalf("%s: the scenario was not over after %v; events:\n%s", rt.Name(), timeout, rec.Dump())
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("%s: Run: %v", rt.Name(), err)
		}
	case <-time.After(time.Minute):
		t.Fatalf("%s: Run did not return within a minute of being stopped", rt.Name())
	}
}
