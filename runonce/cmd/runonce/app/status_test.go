//go:build unix

package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bloglabs/posts/tools/pgtemp/pgtest"
)

// Issue 21 item 5: `runonce status` names the holder's own process and
// host (the PID people will try to kill), not only its server backend; and
// a frozen holder, cut off by the server, is listed as stalled, not as a
// waiter.
func TestStatusNamesTheHolderProcessAndAFrozenOne(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	dir := t.TempDir()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"--dsn", dsn, "--name", "st", "--version", "v1", "--lease", "2s"}
	start := func(holder, ready string) *replicaProc {
		p := newCLI(t, nil, append(append(base, "--holder", holder), step("hang", ready)...)...)
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.cmd.Process.Kill(); _ = p.cmd.Wait() })
		return p
	}
	status := func() (string, string) {
		t.Helper()
		code, out, log := runCLI(t, nil, "status", "--dsn", dsn, "--name", "st")
		if code != 0 {
			t.Fatalf("status exit = %d:\n%s", code, log)
		}
		waiters, stalled, _ := strings.Cut(out, "  stalled:")
		waiters, _, _ = strings.Cut(waiters, "  runs")
		return waiters, stalled
	}

	alice := start("alice", filepath.Join(dir, "alice"))
	waitForFile(t, filepath.Join(dir, "alice"), 10*time.Second)
	start("bob", filepath.Join(dir, "bob"))
	waiters, _ := eventually(t, 10*time.Second, status, func(w, _ string) bool { return strings.Contains(w, "waiters: 1") })
	want := fmt.Sprintf("holder:  alice — process %d on host %s (client ", alice.cmd.Process.Pid, host)
	if !strings.Contains(waiters, want) || !strings.Contains(waiters, "server backend pid ") {
		t.Errorf("status lacks %q and the backend's pid:\n%s", want, waiters)
	}

	if err := alice.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitForFile(t, filepath.Join(dir, "bob"), 30*time.Second) // the server cut alice off, bob took over
	waiters, stalled := eventually(t, 10*time.Second, status, func(_, s string) bool { return strings.Contains(s, "alice") })
	if !strings.Contains(waiters, "holder:  bob — process ") || !strings.Contains(waiters, "waiters: 0") {
		t.Errorf("after alice froze, want bob holding and no waiters:\n%s", waiters)
	}
	t.Logf("status after alice froze:\n%s  stalled:%s", waiters, stalled)
	if want := fmt.Sprintf("alice — process %d on host %s", alice.cmd.Process.Pid, host); !strings.Contains(stalled, want) {
		t.Errorf("stalled lacks %q:\n%s", want, stalled)
	}
}

// eventually calls read until ok holds of its result, at most d, and
// returns the last result.
func eventually(t *testing.T, d time.Duration, read func() (string, string), ok func(a, b string) bool) (string, string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		a, b := read()
		if ok(a, b) || time.Now().After(deadline) {
			return a, b
		}
		time.Sleep(200 * time.Millisecond)
	}
}
