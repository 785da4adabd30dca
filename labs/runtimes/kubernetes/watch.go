package kubernetes

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/internal/pods"
	"github.com/bloglabs/posts/labs/spec"
)

// podWatch turns the informer's pod updates into events: replicas are
// numbered in the order their pods appear, each pod's events are emitted in
// order by a goroutine of its own, and a container's end is emitted only
// after its log has been read — the lab reads what the app did from the
// log, and must have it before it hears how the container ended.
type podWatch struct {
	r        *Runtime
	ns       string
	replicas int
	emit     func(runtimes.Event)

	mu    sync.Mutex
	pods  map[types.UID]*watchedPod
	next  int
	procs sync.WaitGroup
}

type watchedPod struct {
	tracker *PodTracker
	name    string
	queue   chan []runtimes.Event
	logs    map[string]chan struct{} // container/attempt → closed when read
}

func newWatch(r *Runtime, ns string, replicas int, emit func(runtimes.Event)) *podWatch {
	return &podWatch{r: r, ns: ns, replicas: replicas, emit: emit, pods: map[types.UID]*watchedPod{}}
}

func (w *podWatch) observe(ctx context.Context, obj any) {
	p, ok := obj.(*corev1.Pod)
	if !ok || ctx.Err() != nil {
		return
	}
	w.mu.Lock()
	wp := w.pods[p.UID]
	if wp == nil {
		if w.next >= w.replicas {
			// A pod beyond the replica count replaces one (evicted,
			// deleted); the race labs have none. It is not a new replica.
			w.mu.Unlock()
			return
		}
		wp = &watchedPod{tracker: NewPodTracker(w.next, w.r.opts.Restarts.MaxRestarts), name: p.Name,
			queue: make(chan []runtimes.Event, 256), logs: map[string]chan struct{}{}}
		w.pods[p.UID] = wp
		w.next++
		w.procs.Go(func() { w.process(ctx, wp) })
	}
	w.mu.Unlock()
	if evs := wp.tracker.Update(p, time.Now()); len(evs) > 0 {
		wp.queue <- evs
	}
}

// wait ends the per-pod goroutines, once no more updates come.
func (w *podWatch) wait() {
	w.mu.Lock()
	for _, wp := range w.pods {
		close(wp.queue)
	}
	w.mu.Unlock()
	w.procs.Wait()
}

func (w *podWatch) process(ctx context.Context, wp *watchedPod) {
	var followers sync.WaitGroup
	defer followers.Wait()
	for evs := range wp.queue {
		for _, e := range evs {
			key := fmt.Sprintf("%s/%d", e.Container, e.Attempt)
			switch e.Kind {
			case runtimes.Started, runtimes.Restarted:
				w.emit(e)
				if _, ok := wp.logs[key]; !ok {
					done := make(chan struct{})
					wp.logs[key] = done
					a := pods.Attempt{Container: spec.Container{Name: e.Container}, Init: e.Init, N: e.Attempt}
					followers.Go(func() {
						defer close(done)
						w.follow(ctx, wp, a)
					})
				}
			case runtimes.InitDone, runtimes.Crashed:
				if done, ok := wp.logs[key]; ok {
					select {
					case <-done:
					case <-time.After(5 * time.Second):
					case <-ctx.Done():
					}
				}
				w.emit(e)
			default:
				w.emit(e)
			}
		}
	}
}

// follow streams one container attempt's log into Output events. The
// kubelet keeps one log of stdout and stderr together; the lines are
// reported as stderr, where the demo app and runonce write, so that a
// failing container's last line is its reason, as on the other runtimes.
func (w *podWatch) follow(ctx context.Context, wp *watchedPod, a pods.Attempt) {
	pod := pods.Pod{Index: wp.tracker.pod.Index, Name: wp.name}
	var logf io.Writer
	if f := pods.OpenLog(w.r.opts.LogDir, wp.name, a.Container.Name, a.N); f != nil {
		defer f.Close()
		logf = f
	}
	lines := pods.NewLines(pod, a, logf, w.emit)
	for try := 0; try < 10 && ctx.Err() == nil; try++ {
		rc, err := w.r.cs.CoreV1().Pods(w.ns).GetLogs(wp.name, &corev1.PodLogOptions{Container: a.Container.Name, Follow: true}).Stream(ctx)
		if err != nil {
			// The container may be created but not yet have a log.
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		lines.Read("stderr", rc)
		rc.Close()
		return
	}
}
