package pods

import (
	"context"
	"fmt"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/spec"
)

// Pod is replica Index of a Deployment, named Name.
type Pod struct {
	Index int
	Name  string
	Spec  spec.Deployment
}

// Attempt is one start of one container of a pod.
type Attempt struct {
	Container spec.Container
	Init      bool
	// N counts the container's starts, from 0.
	N int
	// Restarts is how often the pod had been restarted before this start.
	Restarts int
}

// Event returns an event of kind about a's container in pod p.
func (p Pod) Event(kind runtimes.EventKind, a Attempt) runtimes.Event {
	return runtimes.Event{Replica: p.Index, Pod: p.Name, Kind: kind, Container: a.Container.Name, Init: a.Init, Attempt: a.N}
}

// StartEvent is the Started (first start) or Restarted event of a, at t.
func (p Pod) StartEvent(a Attempt, t time.Time) runtimes.Event {
	if a.N == 0 {
		e := p.Event(runtimes.Started, a)
		e.Time = t
		return e
	}
	e := p.Event(runtimes.Restarted, a)
	e.Time, e.Detail = t, fmt.Sprintf("restart %d of the pod", a.Restarts)
	return e
}

// RunContainer runs one attempt of a container to its end and returns its
// exit code (128+N when killed by signal N, -1 when it could not start) and,
// when it failed, the likeliest reason. It emits the attempt's Started or
// Restarted, Output and Ready events itself; Run emits the rest.
type RunContainer func(ctx context.Context, a Attempt) (code int, reason string)

// Run runs pod p the way a kubelet does under restartPolicy Always: the
// init containers one after the other, each until it exits 0, then the main
// container, restarted whenever it exits (it is meant to run until stopped).
// Restarts follow policy (defaults applied by the caller). It returns when
// ctx is done, or — after a GaveUp event — when ctx is done.
func Run(ctx context.Context, p Pod, policy runtimes.RestartPolicy, run RunContainer, emit func(runtimes.Event)) {
	b := backoff{policy: policy, wait: policy.BackoffInitial}
	// crashed reports a failed attempt and waits out the back-off; it says
	// whether to start the container again.
	crashed := func(a Attempt, code int, reason string) bool {
		e := p.Event(runtimes.Crashed, a)
		e.ExitCode, e.Detail = code, reason
		emit(e)
		return b.next(ctx, p, emit)
	}
	for _, c := range p.Spec.InitContainers {
		for n := 0; ; n++ {
			a := Attempt{Container: c, Init: true, N: n, Restarts: b.restarts}
			code, reason := run(ctx, a)
			if ctx.Err() != nil {
				return
			}
			if code == 0 {
				emit(p.Event(runtimes.InitDone, a))
				break
			}
			if !crashed(a, code, reason) {
				return
			}
		}
	}
	for n := 0; ; n++ {
		a := Attempt{Container: p.Spec.Container, N: n, Restarts: b.restarts}
		code, reason := run(ctx, a)
		if ctx.Err() != nil || !crashed(a, code, reason) {
			return
		}
	}
}

// backoff counts a pod's restarts and spaces them.
type backoff struct {
	policy   runtimes.RestartPolicy
	wait     time.Duration
	restarts int
}

// next waits before a restart, or gives up (and waits for the end of the
// run) when the pod has been restarted often enough. It reports whether to
// restart.
func (b *backoff) next(ctx context.Context, p Pod, emit func(runtimes.Event)) bool {
	if b.restarts >= b.policy.MaxRestarts {
		emit(runtimes.Event{Replica: p.Index, Pod: p.Name, Kind: runtimes.GaveUp, Detail: fmt.Sprintf("%d restarts", b.restarts)})
		<-ctx.Done()
		return false
	}
	t := time.NewTimer(b.wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	}
	b.restarts++
	b.wait = min(2*b.wait, b.policy.BackoffMax)
	return true
}
