package contract

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// gate is what an init container waits for: an HTTP server of this
// machine that answers 503 to the first closed requests for
// each path (one path a pod) and 200 after, as a database that comes up
// while the init container is being restarted.
type gate struct {
	addr   string
	closed int

	mu   sync.Mutex
	hits map[string]int
}

func newGate(t *testing.T, closed int) *gate {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{addr: l.Addr().String(), closed: closed, hits: map[string]int{}}
	srv := &http.Server{Handler: g}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return g
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	pod := strings.TrimPrefix(r.URL.Path, "/")
	g.hits[pod]++
	n := g.hits[pod]
	g.mu.Unlock()
	if n <= g.closed {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
}
