package dockerx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
)

// ErrNoDocker is returned (wrapped) by [Connect] when no Docker engine
// answers.
var ErrNoDocker = errors.New("no Docker engine answers: install Docker (a laptop: Docker Desktop or Docker Engine; Debian: apt-get install -y docker.io, then start dockerd) and try again, or use --runtime process")

// Connect returns a client of the Docker engine testcontainers would use
// (DOCKER_HOST, ~/.testcontainers.properties, the docker context, the
// default socket), after checking that it answers within ten seconds.
func Connect(ctx context.Context) (*client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cli, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w (%s)", ErrNoDocker, oneLine(err))
	}
	if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("%w (%s)", ErrNoDocker, oneLine(err))
	}
	return cli.Client, nil
}

// oneLine keeps an error on one line: testcontainers joins the reason of
// every place it looked for an engine.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// ImageExists says whether the engine has image ref.
func ImageExists(ctx context.Context, cli *client.Client, ref string) bool {
	_, err := cli.ImageInspect(ctx, ref)
	return err == nil
}

// ErrPullStalled is returned (wrapped) by [Pull] when the engine reported no
// progress for the stall time.
var ErrPullStalled = errors.New("no progress")

// DefaultStall is how long [Pull] waits for a sign of progress. A registry
// that answers sends its first status within a second or two; one that does
// not (no network, a firewall that drops packets) would keep the engine
// dialling for minutes.
const DefaultStall = 8 * time.Second

// Pull pulls ref, and gives up when the engine reports no progress for
// stall (DefaultStall when 0): an unreachable registry fails in seconds,
// while a slow but moving download goes on. Status lines go to progress
// when it is not nil.
func Pull(ctx context.Context, cli *client.Client, ref string, stall time.Duration, progress io.Writer) error {
	if stall <= 0 {
		stall = DefaultStall
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	alive := make(chan struct{}, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTimer(stall)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-alive:
				t.Reset(stall)
			case <-t.C:
				cancel(fmt.Errorf("%w for %s", ErrPullStalled, stall))
				return
			}
		}
	}()
	stalled := func(err error) error {
		if cause := context.Cause(ctx); errors.Is(cause, ErrPullStalled) {
			return fmt.Errorf("pull %s: %w", ref, cause)
		}
		return fmt.Errorf("pull %s: %w", ref, err)
	}
	resp, err := cli.ImagePull(ctx, ref, client.ImagePullOptions{})
	if err != nil {
		return stalled(err)
	}
	defer resp.Close()
	for msg, err := range resp.JSONMessages(ctx) {
		if err != nil {
			return stalled(err)
		}
		if msg.Error != nil {
			return fmt.Errorf("pull %s: %w", ref, msg.Error)
		}
		select {
		case alive <- struct{}{}:
		default:
		}
		if progress != nil && msg.Status != "" && msg.Progress == nil {
			fmt.Fprintf(progress, "%s %s\n", msg.ID, msg.Status)
		}
	}
	return nil
}

// Forward accepts connections on listen (host:0 picks a port) and relays
// each to target, until ctx is done. It returns the address it listens on.
// A runtime uses it to let containers reach a server that listens on this
// machine's loopback only (the embedded Postgres): it listens on the
// container network's gateway, an address of this machine the containers
// can dial.
func Forward(ctx context.Context, listen, target string) (string, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return "", fmt.Errorf("forward to %s: %w", target, err)
	}
	go func() {
		<-ctx.Done()
		_ = l.Close()
	}()
	go func() {
		var conns sync.WaitGroup
		defer conns.Wait()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Go(func() { relay(ctx, c, target) })
		}
	}()
	return l.Addr().String(), nil
}

func relay(ctx context.Context, c net.Conn, target string) {
	defer c.Close()
	var d net.Dialer
	t, err := d.DialContext(ctx, "tcp", target)
	if err != nil {
		return
	}
	defer t.Close()
	stop := context.AfterFunc(ctx, func() {
		_ = c.Close()
		_ = t.Close()
	})
	defer stop()
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(t, c)
		if tc, ok := t.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		close(done)
	}()
	_, _ = io.Copy(c, t)
	if cc, ok := c.(*net.TCPConn); ok {
		_ = cc.CloseWrite()
	}
	<-done
}

// IsLocalAddr says whether ip is an address of one of this machine's
// interfaces: a Docker network's gateway is one on Linux, not under Docker
// Desktop, where the engine runs in a VM.
func IsLocalAddr(ip string) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.String() == ip {
			return true
		}
	}
	return false
}
