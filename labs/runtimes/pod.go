package runtimes

import (
	"context"
	"fmt"
	"time"

	"github.com/bloglabs/posts/labs/spec"
)

// RestartPolicy is restartPolicy Always as a runtime that restarts
// containers itself (process, docker) applies it: a failing container is
// started again after a back-off that doubles from BackoffInitial to
// BackoffMax — the kubelet's CrashLoopBackOff (10 s doubling to 5 min)
// compressed so that a crash loop shows within a lab — until the pod has
// been restarted MaxRestarts times and gives up. On kind the kubelet itself
// restarts, with its own timings.
type RestartPolicy struct {
	// BackoffInitial is the wait before the first restart. Defaults to 200ms.
	BackoffInitial time.Duration
	// BackoffMax caps the doubling back-off. Defaults to 2s.
	BackoffMax time.Duration
	// MaxRestarts is how often a pod is restarted before it gives up.
	// Defaults to 5.
	MaxRestarts int
	// NoRestarts gives a pod up at its first failure (MaxRestarts is then
	// ignored): a zero MaxRestarts means the default.
	NoRestarts bool
}

// WithDefaults fills in the zero fields; with NoRestarts, MaxRestarts
// becomes 0.
func (p RestartPolicy) WithDefaults() RestartPolicy {
	if p.BackoffInitial <= 0 {
		p.BackoffInitial = 200 * time.Millisecond
	}
	if p.BackoffMax <= 0 {
		p.BackoffMax = 2 * time.Second
	}
	switch {
	case p.NoRestarts:
		p.MaxRestarts = 0
	case p.MaxRestarts <= 0:
		p.MaxRestarts = 5
	}
	return p
}

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
func (p Pod) Event(kind Kind, a Attempt) Event {
	return Event{Replica: p.Index, Pod: p.Name, Kind: kind, Container: a.Container.Name, Init: a.Init, Attempt: a.N}
}

// StartEvent is the Started (first start) or Restarted event of a, at t.
func (p Pod) StartEvent(a Attempt, t time.Time) Event {
	if a.N == 0 {
		e := p.Event(Started, a)
		e.Time = t
		return e
	}
	e := p.Event(Restarted, a)
	e.Time, e.Detail = t, fmt.Sprintf("restart %d of the pod", a.Restarts)
	return e
}

// RunContainer runs one attempt of a container to its end and returns its
// exit code (128+N when killed by signal N, -1 when it could not start) and,
// when it failed, the likeliest reason. It emits the attempt's Started or
// Restarted, Output and Ready events itself; RunPod emits the rest.
type RunContainer func(ctx context.Context, a Attempt) (code int, reason string)

// RunPod runs pod p the way a kubelet does under restartPolicy Always: the
// init containers one after the other, each until it exits 0, then the main
// container, restarted whenever it exits (it is meant to run until stopped).
// Restarts follow policy (defaults applied by the caller). It returns when
// ctx is done, or — after a GaveUp event — when ctx is done.
func RunPod(ctx context.Context, p Pod, policy RestartPolicy, run RunContainer, emit func(Event)) {
	b := backoff{policy: policy, wait: policy.BackoffInitial}
	// crashed reports a failed attempt and waits out the back-off; it says
	// whether to start the container again.
	crashed := func(a Attempt, code int, reason string) bool {
		e := p.Event(Crashed, a)
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
				emit(p.Event(InitDone, a))
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
	policy   RestartPolicy
	wait     time.Duration
	restarts int
}

// next waits before a restart, or gives up (and waits for the end of the
// run) when the pod has been restarted often enough. It reports whether to
// restart.
func (b *backoff) next(ctx context.Context, p Pod, emit func(Event)) bool {
	if b.restarts >= b.policy.MaxRestarts {
		emit(Event{Replica: p.Index, Pod: p.Name, Kind: GaveUp, Detail: fmt.Sprintf("%d restarts", b.restarts)})
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
