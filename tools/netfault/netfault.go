package netfault

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
)

// Proxy forwards connections from its listener to one target address.
type Proxy struct {
	target string
	ln     net.Listener

	mu     sync.Mutex
	holes  bool          // blackholed
	healed chan struct{} // closed by Heal; replaced by Blackhole
	closed bool
	conns  map[*link]struct{}
	wg     sync.WaitGroup
}

// link is one proxied connection: the client's and the server's side.
type link struct {
	client, server net.Conn
}

// Listen starts a proxy on 127.0.0.1 at a free port that forwards to target
// ("host:port").
func Listen(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("netfault: listen: %w", err)
	}
	p := &Proxy{target: target, ln: ln, healed: make(chan struct{}), conns: map[*link]struct{}{}}
	close(p.healed)
	p.wg.Go(p.accept)
	return p, nil
}

// Addr is the proxy's "host:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Port is the proxy's port on 127.0.0.1.
func (p *Proxy) Port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// Blackhole stops forwarding, in both directions, on every connection, old
// and new, until Heal. Nothing is closed.
func (p *Proxy) Blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.holes {
		p.holes = true
		p.healed = make(chan struct{})
	}
}

// Heal resumes forwarding; bytes held back are delivered in order.
func (p *Proxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.holes {
		p.holes = false
		close(p.healed)
	}
}

// Blackholed reports whether the proxy is blackholed.
func (p *Proxy) Blackholed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.holes
}

// Reset closes every current connection abruptly (RST to both ends). New
// connections are forwarded as usual (unless blackholed).
func (p *Proxy) Reset() {
	p.mu.Lock()
	var conns []net.Conn
	for l := range p.conns {
		conns = append(conns, l.client)
		if l.server != nil {
			conns = append(conns, l.server)
		}
	}
	p.mu.Unlock()
	for _, c := range conns {
		abortConn(c)
	}
}

// Conns is the number of connections currently proxied.
func (p *Proxy) Conns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Close stops listening, resets every connection and waits for the proxy's
// goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	if p.holes {
		p.holes = false
		close(p.healed)
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.Reset()
	p.wg.Wait()
	return err
}

// gate blocks while the proxy is blackholed; false means the proxy closed.
func (p *Proxy) gate() bool {
	p.mu.Lock()
	ch, closed := p.healed, p.closed
	p.mu.Unlock()
	if closed {
		return false
	}
	<-ch
	p.mu.Lock()
	defer p.mu.Unlock()
	return !p.closed
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.wg.Go(func() { p.serve(c) })
	}
}

func (p *Proxy) serve(client net.Conn) {
	l := &link{client: client}
	if !p.track(l) {
		client.Close()
		return
	}
	defer p.untrack(l)
	// A partitioned path does not even connect through.
	if !p.gate() {
		client.Close()
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		abortConn(client)
		return
	}
	p.mu.Lock()
	l.server = server
	closed := p.closed
	p.mu.Unlock()
	if closed {
		abortConn(client)
		abortConn(server)
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { p.pump(server, client) })
	wg.Go(func() { p.pump(client, server) })
	wg.Wait()
	client.Close()
	server.Close()
}

func (p *Proxy) track(l *link) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[l] = struct{}{}
	return true
}

func (p *Proxy) untrack(l *link) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, l)
}

// pump copies src to dst, holding every chunk, and the end of the stream,
// at the gate while blackholed.
func (p *Proxy) pump(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.gate() {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				abortConn(src)
				return
			}
		}
		if err != nil {
			if !p.gate() {
				return
			}
			if errors.Is(err, io.EOF) {
				// Half-close: pass the FIN on, keep the other direction.
				if tc, ok := dst.(*net.TCPConn); ok {
					_ = tc.CloseWrite()
					return
				}
			}
			abortConn(dst)
			return
		}
	}
}

func abortConn(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}
