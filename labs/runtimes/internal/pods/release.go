package pods

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/spec"
)

// Serialize returns a sink that stamps an event without a time with the
// current one and passes events to sink one at a time, as the lab's
// Runtime contract wants.
func Serialize(sink func(runtimes.Event)) func(runtimes.Event) {
	var mu sync.Mutex
	return func(e runtimes.Event) {
		if e.Time.IsZero() {
			e.Time = time.Now()
		}
		mu.Lock()
		defer mu.Unlock()
		sink(e)
	}
}

// release lets every pod's first container go at once.
type release struct {
	mu       sync.Mutex
	waiting  int
	all      chan struct{}
	released chan struct{}
	at       time.Time
	once     sync.Once
	onOpen   func()
}

func (r *release) arrive() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waiting--
	if r.waiting == 0 {
		close(r.all)
	}
}

func (r *release) open() {
	r.once.Do(func() {
		r.at = time.Now()
		if r.onOpen != nil {
			r.onOpen()
		}
		close(r.released)
	})
}

// Ticket is one pod's place in the release: the pod arrives when its first
// container is ready to start (or could not be made ready), then waits for
// the release, which comes when every pod has arrived or the run ends.
type Ticket struct {
	r       *release
	once    sync.Once
	arrived atomic.Bool
}

// Pending says whether the pod has not arrived yet: its next container is
// its first.
func (t *Ticket) Pending() bool { return !t.arrived.Load() }

// Arrive marks the pod as ready to be released; later calls do nothing.
func (t *Ticket) Arrive() {
	t.once.Do(func() {
		t.arrived.Store(true)
		t.r.arrive()
	})
}

// Released is closed at the release.
func (t *Ticket) Released() <-chan struct{} { return t.r.released }

// ReleasedAt is the release's time, once Released is closed.
func (t *Ticket) ReleasedAt() time.Time { return t.r.at }

// RunAll runs every replica of d — run(ctx, pod, ticket, emit) in a
// goroutine of its own — releases them together, emits Released, and
// returns when every run has. onRelease, when not nil, is called at the
// release (the process runtime closes its gate pipe there). sink receives
// the events one at a time.
func RunAll(ctx context.Context, d spec.Deployment, sink func(runtimes.Event), onRelease func(),
	run func(ctx context.Context, p Pod, t *Ticket, emit func(runtimes.Event))) {
	emit := Serialize(sink)
	rel := &release{waiting: d.Replicas, all: make(chan struct{}), released: make(chan struct{}), onOpen: onRelease}
	var wg sync.WaitGroup
	for i := range d.Replicas {
		t := &Ticket{r: rel}
		p := Pod{Index: i, Name: d.PodName(i), Spec: d}
		wg.Go(func() {
			// Whatever happens to the pod, the release must not wait
			// for it forever.
			defer t.Arrive()
			run(ctx, p, t, emit)
		})
	}
	// Release once every pod has arrived, or when the run ends first (then
	// the pods find ctx done and stop like any other).
	select {
	case <-rel.all:
	case <-ctx.Done():
	}
	rel.open()
	if ctx.Err() == nil {
		emit(runtimes.Event{Time: rel.at, Replica: -1, Kind: runtimes.Released})
	}
	wg.Wait()
}
