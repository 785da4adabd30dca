package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/bloglabs/posts/tools/controlplane/labnode"
)

// useLocalNode looks for a real node of a local control plane on this
// machine (tools/controlplane, published in kube-public) and, when there is
// one, loads the image into it unless it has it: such a node pulls nothing.
func (r *Runtime) useLocalNode(ctx context.Context) error {
	info, err := labnode.Discover(ctx, r.cs)
	if err != nil {
		return fmt.Errorf("kubernetes runtime: %w", err)
	}
	if info == nil || !info.Local() {
		return nil
	}
	r.local = info
	has, err := info.HasImage(ctx, r.opts.Image)
	if err != nil {
		return fmt.Errorf("kubernetes runtime: node %s: %w", info.Node, err)
	}
	if has {
		return nil
	}
	if r.opts.ImageArchive == nil {
		return fmt.Errorf("kubernetes runtime: node %s lacks image %s and nothing can load it (Options.ImageArchive)", info.Node, r.opts.Image)
	}
	archive, err := r.opts.ImageArchive(ctx)
	if err != nil {
		return fmt.Errorf("kubernetes runtime: image %s for node %s: %w", r.opts.Image, info.Node, err)
	}
	defer archive.Close()
	if err := info.Import(ctx, archive); err != nil {
		return fmt.Errorf("kubernetes runtime: load %s into node %s: %w", r.opts.Image, info.Node, err)
	}
	return nil
}

// localRoutes makes the loopback backends reachable from the local node's
// pods: a TCP forwarder per backend on the node's host address (its bridge
// gateway, which pods reach and nothing outside this machine does).
func (r *Runtime) localRoutes() (map[string]string, error) {
	routes := map[string]string{}
	for _, b := range r.backends {
		if !b.Loopback() {
			continue
		}
		if f, ok := r.forwarders[b.Addr]; ok {
			routes[b.Addr] = f.addr()
			continue
		}
		f, err := forward(r.local.HostAddr, b.Addr)
		if err != nil {
			return nil, fmt.Errorf("kubernetes runtime: reach %s from node %s's pods: %w", b.Addr, r.local.Node, err)
		}
		if r.forwarders == nil {
			r.forwarders = map[string]*forwarder{}
		}
		r.forwarders[b.Addr] = f
		routes[b.Addr] = f.addr()
	}
	return routes, nil
}

// Routable returns nil when the pods can reach every backend: through
// Options.PodPostgres, a local node's forwarders, or a non-loopback
// address. Call it after Prepare and AddBackends.
func (r *Runtime) Routable() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.local != nil && r.opts.PodPostgres == "" {
		return nil
	}
	_, err := PodRoutes(r.backends, r.opts.PodPostgres)
	return err
}

// forwarder copies TCP connections from a listener to a backend.
type forwarder struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
}

func forward(host, target string) (*forwarder, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, err
	}
	f := &forwarder{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	f.wg.Go(f.serve)
	return f, nil
}

func (f *forwarder) addr() string { return f.ln.Addr().String() }

func (f *forwarder) serve() {
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.wg.Go(func() { f.pipe(c) })
	}
}

// pipe joins one client to a fresh connection to the target; when either
// side closes, both go.
func (f *forwarder) pipe(c net.Conn) {
	b, err := net.Dial("tcp", f.target)
	if err != nil {
		c.Close()
		return
	}
	if !f.track(c, b) {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(b, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, b); done <- struct{}{} }()
	<-done
	c.Close()
	b.Close()
	<-done
	f.mu.Lock()
	delete(f.conns, c)
	delete(f.conns, b)
	f.mu.Unlock()
}

// track registers a connection pair, or closes it when the forwarder is
// closing.
func (f *forwarder) track(c, b net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.conns == nil {
		c.Close()
		b.Close()
		return false
	}
	f.conns[c], f.conns[b] = struct{}{}, struct{}{}
	return true
}

// close stops listening, ends every connection and waits for them.
func (f *forwarder) close() error {
	err := f.ln.Close()
	f.mu.Lock()
	for c := range f.conns {
		c.Close()
	}
	f.conns = nil
	f.mu.Unlock()
	f.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
