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
)

// What an attendee leaves when they stop halfway through exercise 04: the
// throwaway server and alice running in the background, their PID files.
// Reset stops both, removes the server's folder and the exercise's, and
// leaves alone a process a stale PID file names that is not one of the
// exercises' commands.
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
	defer func() { stdin.Close(); _ = bystander.Wait() }()
	if err := os.WriteFile(filepath.Join(dir, "stale.pid"), []byte(strconv.Itoa(bystander.Process.Pid)), 0o644); err != nil {
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
	if syscall.Kill(bystander.Process.Pid, 0) != nil {
		t.Errorf("reset stopped cat, which a stale PID file named")
	}
}

func mustStarted(t *testing.T, dir string) started {
	t.Helper()
	st, err := startedIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
