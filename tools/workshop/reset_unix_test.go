//go:build unix

package workshop

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// What an attendee leaves when they stop halfway through exercise 04: the
// throwaway server and alice running in the background, their PID files.
// Reset stops both, removes the server's folder and the exercise's, and
// leaves alone a process a stale PID file names that is not one of the
// exercises' commands, and one of their commands that started after the
// PID file naming it was written.
func TestReset(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a throwaway PostgreSQL")
	}
	needBash(t)
	t.Parallel()
	_, steps := exercise(t, "04")
	dir := runDir(t, "04-reset")
	var pids []int
	for _, s := range steps[:3] {
		res, err := RunStep(t.Context(), repoRoot(t), dir, s, nil)
		if err != nil || res.Exit != 0 {
			t.Fatalf("step at line %d: exit %d, %v\n%s", s.Line, res.Exit, err, res.Output)
		}
	}
	for _, f := range []string{"pgtemp.pid", "alice.pid"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		pids = append(pids, pid)
	}
	ports := mustStarted(t, dir).ports
	if len(serverDirs(ports)) != 1 {
		t.Fatalf("dsn.txt's port %v: %d server folders, want 1", ports, len(serverDirs(ports)))
	}
	bystander := exec.Command("cat")
	stdin, err := bystander.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := bystander.Start(); err != nil {
		t.Fatal(err)
	}
	catEnded := waited(bystander)
	defer stdin.Close()
	if err := os.WriteFile(filepath.Join(dir, "stale.pid"), []byte(strconv.Itoa(bystander.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	// A sleep is one of the exercises' commands, but this one started after
	// the PID file naming its number was written (an hour ago): the number
	// was reused, and the process is someone else's.
	reused := exec.Command("sleep", "300")
	if err := reused.Start(); err != nil {
		t.Fatal(err)
	}
	sleepEnded := waited(reused)
	defer reused.Process.Kill()
	old := filepath.Join(dir, "yesterday.pid")
	if err := os.WriteFile(old, []byte(strconv.Itoa(reused.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	hourAgo := time.Now().Add(-time.Hour)
	if err := os.Chtimes(old, hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Reset(t.Context(), dir, &out); err != nil {
		t.Fatal(err)
	}
	for _, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("process %d (a PID file's) still runs after reset:\n%s", pid, out.String())
		}
	}
	if n := len(serverDirs(ports)); n != 0 {
		t.Errorf("%d server folders left for port %v", n, ports)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s: %v, want it removed", dir, err)
	}
	select {
	case <-catEnded:
		t.Errorf("reset stopped cat, which a stale PID file named")
	case <-sleepEnded:
		t.Errorf("reset stopped a sleep that started after the PID file naming its number was written")
	case <-time.After(500 * time.Millisecond):
	}
}

// waited reaps cmd when it ends (a process reset signalled would otherwise
// linger as a zombie, which still answers kill -0), and says so.
func waited(cmd *exec.Cmd) <-chan struct{} {
	ended := make(chan struct{})
	go func() { _ = cmd.Wait(); close(ended) }()
	return ended
}

func mustStarted(t *testing.T, dir string) started {
	t.Helper()
	st, err := startedIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
