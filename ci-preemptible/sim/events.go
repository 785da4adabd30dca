package sim

type evKind uint8

const (
	evArrival     evKind = iota // next job of tmpl arrives
	evPodDone                   // pod's job finished (gen-checked)
	evPollTimeout               // pod still Pending after poll_timeout (gen-checked)
	evNodeReady                 // node finished booting
	evNodeNotice                // preemption notice for node
	evNodeKill                  // graceful shutdown over: node's pods have failed
	evNodeGone                  // VM gone; the instance group recreates it
	evIdleCheck                 // node may have been empty for scaleDownIdle (gen-checked)
	evHorizon                   // arrivals stop; the run may end once jobs drain
	evTimeline                  // start of the recorded timeline window
	evRollout                   // a Deployment's pods are replaced by new ones
	evPreemptAt                 // a scheduled preemption of pool tmpl's first node (Preemption.At)
)

// event is one entry of the event queue. Pods and nodes carry a generation
// counter; an event whose gen no longer matches is stale and skipped, which
// is cheaper than deleting from the heap.
type event struct {
	t    float64
	seq  uint64
	pod  *pod
	node *node
	tmpl int32
	gen  uint32
	kind evKind
}

func (a *event) before(b *event) bool {
	if a.t != b.t {
		return a.t < b.t
	}
	return a.seq < b.seq // FIFO among simultaneous events keeps runs reproducible
}

// eventQueue is a binary min-heap on (t, seq). Hand-rolled rather than
// container/heap: the interface calls and boxing cost about a third of the
// run time at 10^6 jobs.
type eventQueue struct {
	h []event
}

func (q *eventQueue) len() int { return len(q.h) }

func (q *eventQueue) push(e event) {
	q.h = append(q.h, e)
	i := len(q.h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !q.h[i].before(&q.h[parent]) {
			break
		}
		q.h[i], q.h[parent] = q.h[parent], q.h[i]
		i = parent
	}
}

func (q *eventQueue) pop() event {
	top := q.h[0]
	last := len(q.h) - 1
	q.h[0] = q.h[last]
	q.h[last] = event{}
	q.h = q.h[:last]
	i, n := 0, last
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && q.h[r].before(&q.h[l]) {
			m = r
		}
		if !q.h[m].before(&q.h[i]) {
			break
		}
		q.h[i], q.h[m] = q.h[m], q.h[i]
		i = m
	}
	return top
}

// fifo is a queue of pods with amortised O(1) push and pop.
type fifo struct {
	items []*pod
	head  int
}

func (f *fifo) push(p *pod) { f.items = append(f.items, p) }

// peek returns the first pod for which live is true, dropping the others
// (pods whose poll_timeout fired while queued).
func (f *fifo) peek(live func(*pod) bool) *pod {
	for f.head < len(f.items) {
		p := f.items[f.head]
		if live(p) {
			return p
		}
		f.items[f.head] = nil
		f.head++
	}
	f.compact()
	return nil
}

func (f *fifo) pop() *pod {
	p := f.items[f.head]
	f.items[f.head] = nil
	f.head++
	f.compact()
	return p
}

func (f *fifo) compact() {
	if f.head == len(f.items) {
		f.items, f.head = f.items[:0], 0
		return
	}
	if f.head > 1024 && f.head*2 > len(f.items) {
		n := copy(f.items, f.items[f.head:])
		clear(f.items[n:])
		f.items, f.head = f.items[:n], 0
	}
}
