package dockerx_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/bloglabs/posts/labs/internal/dockerx"
)

// fakeEngine answers the ping and the image pull the way dockerd does:
// pull streams one JSON status per tick (none at all when ticks is 0, like
// an engine still dialling a registry that drops packets).
func fakeEngine(t *testing.T, ticks int, every time.Duration) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		switch {
		case strings.HasSuffix(r.URL.Path, "/_ping"):
			fmt.Fprint(w, "OK")
		case strings.HasSuffix(r.URL.Path, "/images/create"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			if ticks == 0 {
				<-r.Context().Done()
				return
			}
			for i := range ticks {
				fmt.Fprintf(w, `{"status":"Downloading","id":"layer","progressDetail":{"current":%d,"total":%d}}`+"\n", i, ticks)
				w.(http.Flusher).Flush()
				time.Sleep(every)
			}
			fmt.Fprint(w, `{"status":"Status: Downloaded newer image for x:1"}`+"\n")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	cli, err := client.New(client.WithHost("tcp://" + strings.TrimPrefix(srv.URL, "http://")))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// A pull that never progresses — the engine still dialling an unreachable
// registry — is given up after the stall time, not after testcontainers'
// fifteen minutes of retries.
func TestPullGivesUpWhenStalled(t *testing.T) {
	t.Parallel()
	cli := fakeEngine(t, 0, 0)
	t0 := time.Now()
	err := dockerx.Pull(context.Background(), cli, "x:1", 300*time.Millisecond, nil)
	if !errors.Is(err, dockerx.ErrPullStalled) {
		t.Fatalf("Pull = %v, want ErrPullStalled", err)
	}
	if took := time.Since(t0); took > 3*time.Second {
		t.Errorf("gave up after %v, want about the 300ms stall", took)
	}
}

// A slow pull that keeps reporting progress is not cut short.
func TestPullKeepsGoingWhileProgressing(t *testing.T) {
	t.Parallel()
	cli := fakeEngine(t, 8, 100*time.Millisecond)
	var progress strings.Builder
	if err := dockerx.Pull(context.Background(), cli, "x:1", 300*time.Millisecond, &progress); err != nil {
		t.Fatalf("Pull = %v, want success: 800ms of steady progress with a 300ms stall limit", err)
	}
	if !strings.Contains(progress.String(), "Downloaded newer image") {
		t.Errorf("progress = %q, want the final status", progress.String())
	}
}

// Against the real engine here (no registry reachable), the pull the
// testcontainers provider tries first fails in seconds.
func TestPullFailsFastOnThisMachine(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: talks to Docker")
	}
	ctx := context.Background()
	cli, err := dockerx.Connect(ctx)
	if err != nil {
		t.Skipf("no Docker engine: %v", err)
	}
	defer cli.Close()
	const img = "bloglabs/no-such-image:never"
	t0 := time.Now()
	err = dockerx.Pull(ctx, cli, img, 0, nil)
	if err == nil {
		t.Fatalf("pulled %s, which does not exist anywhere", img)
	}
	if took := time.Since(t0); took > dockerx.DefaultStall+2*time.Second {
		t.Errorf("the failing pull took %v, want at most the %v stall", took, dockerx.DefaultStall)
	}
	t.Logf("failed in %v: %v", time.Since(t0).Round(time.Millisecond), err)
}

func TestForwardRelays(t *testing.T) {
	t.Parallel()
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	addr, err := dockerx.Forward(ctx, "127.0.0.1:0", echo.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintln(c, "ping")
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "ping\n" {
		t.Errorf("through the relay: %q, %v; want the echo", line, err)
	}
	cancel()
	// The relay stops listening, and ends the connections it carries.
	deadline := time.Now().Add(2 * time.Second)
	for {
		c2, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err != nil {
			break
		}
		c2.Close()
		if time.Now().After(deadline) {
			t.Fatal("the relay still accepts after its context ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("a relayed connection outlived the relay")
	}
}

func TestIsLocalAddr(t *testing.T) {
	t.Parallel()
	if !dockerx.IsLocalAddr("127.0.0.1") {
		t.Error("127.0.0.1 is not local")
	}
	if dockerx.IsLocalAddr("192.0.2.1") {
		t.Error("192.0.2.1 (TEST-NET-1) is local")
	}
}
