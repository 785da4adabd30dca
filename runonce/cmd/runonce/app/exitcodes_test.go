//go:build unix

package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/runonce"
	"github.com/bloglabs/posts/tools/pgtemp/pgtest"
)

// Issue 17 item 4: every exit status the docs list (docs/runonce.md, "Exit
// status"; doc.go), pinned to a path that produces it. Rows with a process
// run the real CLI; the few paths no process can reach on purpose (an
// internal error; a hot standby, covered end to end by
// runonce/faults.TestHotStandbyRefused) pin ExitCode's mapping.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	notExec := filepath.Join(t.TempDir(), "migrate.sh")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	wrongPW := fmt.Sprintf("postgres://%s:wrong-pw@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, cfg.Database)
	base := func(name string, extra ...string) []string {
		return append([]string{"--dsn", dsn, "--name", name, "--lease", "2s"}, extra...)
	}
	// The step ends its own lock session: the holder is fenced.
	selfTerminate := `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'runonce/%/lost-holder' AND state LIKE 'idle in transaction%'`
	for _, tc := range []struct {
		name  string
		args  []string
		setup func(t *testing.T) // before the run
		code  int
	}{
		{"0: ran and succeeded", append(base("ok", "--version", "v1"), "--", "true"), nil, 0},
		{"0: skipped, already succeeded", append(base("skip", "--version", "v1"), "--", "true"), func(t *testing.T) {
			if code, _, log := runCLI(t, nil, append(base("skip", "--version", "v1"), "--", "true")...); code != 0 {
				t.Fatalf("first run: %d\n%s", code, log)
			}
		}, 0},
		{"N: the command's own status", append(base("own"), "--", "sh", "-c", "exit 3"), nil, 3},
		{"64: usage", base("usage"), nil, exitUsage},
		{"69: database unavailable", []string{"--dsn", wrongPW, "--name", "x", "--", "true"}, nil, exitUnavailable},
		{"75: wait timeout", append(base("held", "--wait-timeout", "1s"), "--", "true"), func(t *testing.T) {
			c, err := pgx.Connect(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close(context.Background()) })
			if _, err := c.Exec(context.Background(), "SELECT pg_advisory_lock($1)", runonce.LockKey("", "held")); err != nil {
				t.Fatal(err)
			}
		}, exitWaitTimeout},
		{"76: lock lost", append(base("lost", "--holder", "lost-holder"), "--", "sh", "-c", `psql -X -q "$0" -c "$1" >/dev/null && sleep 10`, dsn, selfTerminate), nil, exitLockLost},
		{"124: run timeout", append(base("slow", "--run-timeout", "500ms"), "--", "sleep", "10"), nil, exitRunTimeout},
		{"126: not executable", append(base("noexec"), "--", notExec), nil, exitNotExec},
		{"127: not found", append(base("nocmd"), "--", "no-such-command-xyz"), nil, exitNotFound},
		{"127: not found, by path", append(base("nopath"), "--", "/no/such/dir/migrate"), nil, exitNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.setup != nil {
				tc.setup(t)
			}
			if code, _, log := runCLI(t, nil, tc.args...); code != tc.code {
				t.Errorf("exit = %d, want %d:\n%s", code, tc.code, log)
			}
		})
	}
	t.Run("128+S: signal while the command runs", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		c := newCLI(t, nil, append(base("signalled", "--version", "v1"), step("trap", filepath.Join(dir, "ready"), filepath.Join(dir, "got"))...)...)
		if err := c.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitForFile(t, filepath.Join(dir, "ready"), 30*time.Second)
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		if code := exitStatus(t, c.cmd.Wait()); code != 128+int(syscall.SIGTERM) {
			t.Errorf("exit = %d, want 143:\n%s", code, c.stderr.String())
		}
	})
	for _, tc := range []struct {
		name string
		err  error
		code int
	}{
		{"70: internal error", errors.New("unexpected"), exitSoftware},
		{"77: refused (hot standby)", fmt.Errorf("%w: standby", runonce.ErrRefused), exitRefused},
		{"128+S: signal while waiting", signalError{sig: syscall.SIGINT}, 130},
		// A step that returned nil after runonce was told to stop: not 70.
		{"143: interrupted without a signal of its own", fmt.Errorf("%w: the step was told to stop and returned nil", runonce.ErrInterrupted), 143},
		{"128+S: signal as the command exited", fmt.Errorf("%w: %w", signalError{sig: syscall.SIGTERM, ran: true}, runonce.ErrInterrupted), 143},
	} {
		if got := ExitCode(tc.err); got != tc.code {
			t.Errorf("%s: ExitCode = %d, want %d", tc.name, got, tc.code)
		}
	}
	if !strings.Contains(signalError{sig: syscall.SIGTERM, ran: true}.Error(), "recorded interrupted") {
		t.Error("a signal mid-step must say the run was recorded interrupted")
	}
}
