package live

import (
	"encoding/json"
	"fmt"
	"sync"
	"time"
)

// DefaultQueue is how many messages a browser may fall behind before it is
// disconnected (to reconnect and catch up): a 50-replica race sends about
// 1,500 in all, so a browser that keeps up at all never meets it.
const DefaultQueue = 1024

// Hub keeps every message of a run in order and fans them out to the
// browsers watching it. Publishing never waits for a browser. Its methods
// are safe for concurrent use.
type Hub struct {
	queue int

	mu      sync.Mutex
	log     [][]byte // each message as an event-stream frame
	clients map[*client]struct{}
	closed  bool
	dropped int // browsers dropped for falling behind
}

// client is one browser's stream: frames queued for it, and gone, closed
// when the hub dropped it for falling behind.
type client struct {
	frames chan []byte
	gone   chan struct{}
}

// NewHub returns a hub whose browsers may each fall queue messages behind
// (0: [DefaultQueue]).
func NewHub(queue int) *Hub {
	if queue <= 0 {
		queue = DefaultQueue
	}
	return &Hub{queue: queue, clients: map[*client]struct{}{}}
}

// Publish numbers m, keeps it, and queues it for every browser; a browser
// whose queue is full is dropped. After [Hub.Close] it does nothing.
func (h *Hub) Publish(m Message) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	m.Seq = len(h.log)
	if m.Time != 0 {
		m.Sent = float64(time.Now().UnixMicro()) / 1000
	}
	f := frame(m)
	h.log = append(h.log, f)
	for c := range h.clients {
		select {
		case c.frames <- f:
		default:
			delete(h.clients, c)
			close(c.gone)
			h.dropped++
		}
	}
}

// Len is how many messages the hub holds.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.log)
}

// Close ends the run: every browser gets what is queued for it, then its
// stream ends. Nothing is published after.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for c := range h.clients {
		close(c.frames)
	}
	clear(h.clients)
}

// subscribe returns the messages from seq from on, and, unless the hub is
// closed, a client that receives the later ones.
func (h *Hub) subscribe(from int) ([][]byte, *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	from = min(max(from, 0), len(h.log))
	backlog := h.log[from:len(h.log):len(h.log)]
	if h.closed {
		return backlog, nil
	}
	c := &client{frames: make(chan []byte, h.queue), gone: make(chan struct{})}
	h.clients[c] = struct{}{}
	return backlog, c
}

// unsubscribe forgets c (its browser went away).
func (h *Hub) unsubscribe(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, c)
}

// frame is m as one server-sent event, its id the sequence number.
func frame(m Message) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		// Every field is plain data; say what could not be sent rather
		// than lose the message's place in the sequence.
		b, _ = json.Marshal(Message{Seq: m.Seq, Type: m.Type, Error: fmt.Sprintf("live: message %d: %v", m.Seq, err)})
	}
	return fmt.Appendf(nil, "id: %d\ndata: %s\n\n", m.Seq, b)
}
