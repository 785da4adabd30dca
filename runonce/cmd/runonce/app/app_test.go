//go:build unix

package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/runonce"
	"github.com/bloglabs/posts/tools/pgtemp/pgtest"
)

// The test binary doubles as the runonce CLI (RUNONCE_TEST_MODE=cli) and as
// the step it runs (RUNONCE_TEST_MODE=helper), so the tests exercise real
// processes, signals and exit codes without a separate build.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == watchdogArg { // started by the CLI mode
		_ = runWatchdog(os.Args[2:])
		os.Exit(0)
	}
	switch os.Getenv("RUNONCE_TEST_MODE") {
	case "cli": // what main.go does
		os.Unsetenv("RUNONCE_TEST_MODE")
		err := Run(context.Background(), cli.OS(), os.Args[1:])
		Report(os.Stderr, err)
		os.Exit(ExitCode(err))
	case "helper":
		os.Exit(helper(os.Args[1:]))
	}
	pgtest.Main(m)
}

// helper is the step: helper KIND [ARGS].
func helper(args []string) int {
	switch args[0] {
	case "append": // append FILE SLEEP: record this run's start and end
		d, _ := time.ParseDuration(args[2])
		start := time.Now()
		time.Sleep(d)
		f, err := os.OpenFile(args[1], os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return 1
		}
		fmt.Fprintf(f, "%d %d\n", start.UnixNano(), time.Now().UnixNano())
		f.Close()
		return 0
	case "exit": // exit CODE
		c, _ := strconv.Atoi(args[1])
		return c
	case "selfkill": // killed by SIGKILL
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute)
		return 0
	case "hang": // hang READYFILE: write our pid, then sleep
		_ = os.WriteFile(args[1], []byte(strconv.Itoa(os.Getpid())), 0o644)
		time.Sleep(time.Hour)
		return 0
	case "trap": // trap READYFILE OUTFILE: report the signal that arrives
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
		_ = os.WriteFile(args[1], []byte("ready"), 0o644)
		s := <-sigs
		_ = os.WriteFile(args[2], []byte(s.String()), 0o644)
		return 3
	case "cic": // cic DSN INDEX
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		time.Sleep(500 * time.Millisecond) // let the waiters start polling
		c, err := pgx.Connect(ctx, args[1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "CREATE INDEX CONCURRENTLY "+args[2]+" ON items (id)"); err != nil {
			fmt.Fprintln(os.Stderr, "cic:", err)
			return 2
		}
		return 0
	}
	return 99
}

// replicaProc is one runonce process.
type replicaProc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

func newCLI(t testing.TB, env []string, args ...string) *replicaProc {
	t.Helper()
	c := &replicaProc{cmd: exec.Command(os.Args[0], args...)}
	c.cmd.Env = append(os.Environ(), "RUNONCE_TEST_MODE=cli", "RUNONCE_LOG_LEVEL=debug")
	c.cmd.Env = append(c.cmd.Env, env...)
	c.cmd.Stdout, c.cmd.Stderr = &c.stdout, &c.stderr
	// A process the step left behind inherits runonce's output: without a
	// bound, Wait would wait for it to end and hide that it outlived runonce.
	c.cmd.WaitDelay = outputDelay
	return c
}

// outputDelay is how long after runonce exits its output may stay open.
const outputDelay = 10 * time.Second

// step is the argv of a helper step.
func step(args ...string) []string {
	return append([]string{"--", "env", "RUNONCE_TEST_MODE=helper", os.Args[0]}, args...)
}

func (c *replicaProc) run(t testing.TB) int {
	t.Helper()
	err := c.cmd.Run()
	return exitStatus(t, err)
}

func exitStatus(t testing.TB, err error) int {
	t.Helper()
	var ee *exec.ExitError
	if err == nil {
		return 0
	}
	if errors.Is(err, exec.ErrWaitDelay) { // it exited 0
		t.Errorf("runonce exited but its output was still open %v later: a process the step started outlived it", outputDelay)
		return 0
	}
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	t.Fatalf("run runonce: %v", err)
	return -1
}

func runCLI(t testing.TB, env []string, args ...string) (int, string, string) {
	t.Helper()
	c := newCLI(t, env, args...)
	code := c.run(t)
	return code, c.stdout.String(), c.stderr.String()
}

type span struct{ start, end int64 }

func readSpans(t testing.TB, path string) []span {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []span
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var s span
		if _, err := fmt.Sscanf(line, "%d %d", &s.start, &s.end); err != nil {
			t.Fatalf("bad line %q: %v", line, err)
		}
		out = append(out, s)
	}
	return out
}

// startTogether runs n runonce processes released at once and returns their
// exit codes and stderr.
func startTogether(t *testing.T, n int, args func(i int) []string) ([]int, []string) {
	t.Helper()
	codes, logs := make([]int, n), make([]string, n)
	clis := make([]*replicaProc, n)
	for i := range n {
		clis[i] = newCLI(t, nil, args(i)...)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			codes[i] = clis[i].run(t)
			logs[i] = clis[i].stderr.String()
		})
	}
	wg.Wait()
	return codes, logs
}

func TestTwentyReplicasWithVersionRunOnce(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	out := filepath.Join(t.TempDir(), "lines")
	codes, logs := startTogether(t, 20, func(i int) []string {
		return append([]string{"--dsn", dsn, "--name", "schema", "--version", "v1", "--holder", fmt.Sprint("pod-", i)},
			step("append", out, "1s")...)
	})
	for i, c := range codes {
		if c != 0 {
			t.Errorf("replica %d exited %d, want 0; log:\n%s", i, c, logs[i])
		}
	}
	if got := len(readSpans(t, out)); got != 1 {
		t.Errorf("the step ran %d times, want exactly 1", got)
	}
}

func TestTwentyReplicasWithoutVersionRunOneAtATime(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 20 serialized 1 s steps take 20 s")
	}
	t.Parallel()
	dsn := pgtest.DB(t)
	out := filepath.Join(t.TempDir(), "lines")
	codes, logs := startTogether(t, 20, func(i int) []string {
		return append([]string{"--dsn", dsn, "--name", "serial", "--holder", fmt.Sprint("pod-", i)},
			step("append", out, "1s")...)
	})
	for i, c := range codes {
		if c != 0 {
			t.Errorf("replica %d exited %d, want 0; log:\n%s", i, c, logs[i])
		}
	}
	spans := readSpans(t, out)
	if len(spans) != 20 {
		t.Fatalf("the step ran %d times, want 20 (serialize-only runs every caller)", len(spans))
	}
	slices.SortFunc(spans, func(a, b span) int { return int(a.start - b.start) })
	for i := 1; i < len(spans); i++ {
		if spans[i].start < spans[i-1].end {
			t.Errorf("runs %d and %d overlap by %v", i-1, i, time.Duration(spans[i-1].end-spans[i].start))
		}
	}
}

func TestLateReplicaSkipsWithoutTheLock(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	out := filepath.Join(t.TempDir(), "lines")
	args := append([]string{"--dsn", dsn, "--name", "schema", "--version", "v1", "--wait-timeout", "3s"}, step("append", out, "0s")...)
	if code, _, log := runCLI(t, nil, args...); code != 0 {
		t.Fatalf("first replica exited %d:\n%s", code, log)
	}
	// Hold the lock as a stuck holder would: a replica that needed it would
	// now wait and time out (75).
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "SELECT pg_advisory_lock($1)", runonce.LockKey("", "schema")); err != nil {
		t.Fatal(err)
	}
	code, _, log := runCLI(t, nil, args...)
	if code != 0 || !strings.Contains(log, "skipped: already succeeded") {
		t.Errorf("late replica exited %d, want 0 with a skip; log:\n%s", code, log)
	}
	if got := len(readSpans(t, out)); got != 1 {
		t.Errorf("the step ran %d times, want 1", got)
	}
}

func ledgerStatuses(t *testing.T, dsn, name string) []string {
	t.Helper()
	cfg, _ := pgx.ParseConfig(dsn)
	sts, err := runonce.ReadStatus(context.Background(), cfg, runonce.StatusOptions{Name: name, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range sts[0].Runs {
		got = append([]string{string(r.Status)}, got...)
	}
	return got
}

func waitForFile(t *testing.T, path string, d time.Duration) []byte {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return b
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s did not appear within %v", path, d)
	return nil
}

func processGone(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// A zombie (state Z) waits only for its new parent to reap it.
	f := strings.Fields(string(b))
	return len(f) > 2 && f[2] == "Z"
}

func TestHolderKilledAnotherTakesOver(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	dir := t.TempDir()
	ready, out := filepath.Join(dir, "ready"), filepath.Join(dir, "lines")
	base := []string{"--dsn", dsn, "--name", "schema", "--version", "v1"}

	a := newCLI(t, nil, append(append(base, "--holder", "pod-a"), step("hang", ready)...)...)
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stepPID, _ := strconv.Atoi(string(waitForFile(t, ready, 10*time.Second)))
	b := newCLI(t, nil, append(append(base, "--holder", "pod-b"), step("append", out, "0s")...)...)
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // pod-b is waiting
	if err := a.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = a.cmd.Wait()
	killed := time.Now()
	if code := exitStatus(t, b.cmd.Wait()); code != 0 {
		t.Fatalf("pod-b exited %d, want 0:\n%s", code, b.stderr.String())
	}
	t.Logf("pod-b took over %v after pod-a was killed", time.Since(killed).Round(time.Millisecond))
	if got := len(readSpans(t, out)); got != 1 {
		t.Errorf("pod-b's step ran %d times, want 1", got)
	}
	if got, want := ledgerStatuses(t, dsn, "schema"), []string{"abandoned", "succeeded"}; !slices.Equal(got, want) {
		t.Errorf("ledger = %v, want %v", got, want)
	}
	deadline := time.Now().Add(2 * time.Second)
	for !processGone(stepPID) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !processGone(stepPID) {
		_ = syscall.Kill(stepPID, syscall.SIGKILL)
		t.Errorf("pod-a's step (pid %d) outlived its runonce; it must die with it (Pdeathsig)", stepPID)
	}
}

func TestCreateIndexConcurrentlyWhileTenWait(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE TABLE items (id int); INSERT INTO items SELECT generate_series(1, 10000)"); err != nil {
		t.Fatal(err)
	}
	codes, logs := startTogether(t, 11, func(i int) []string {
		return append([]string{"--dsn", dsn, "--name", "cic", "--version", "v1", "--holder", fmt.Sprint("pod-", i), "--wait-timeout", "60s"},
			step("cic", dsn, "items_id_idx")...)
	})
	for i, code := range codes {
		if code != 0 {
			t.Errorf("replica %d exited %d, want 0:\n%s", i, code, logs[i])
		}
	}
	var valid bool
	if err := c.QueryRow(ctx, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_id_idx'::regclass").Scan(&valid); err != nil || !valid {
		t.Errorf("index valid = %v (%v), want a valid index", valid, err)
	}
}

func TestExitStatusPassesThrough(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	code, _, log := runCLI(t, nil, append([]string{"--dsn", dsn, "--name", "seven", "--version", "v1"}, step("exit", "7")...)...)
	if code != 7 {
		t.Errorf("exit = %d, want the command's 7:\n%s", code, log)
	}
	code, _, log = runCLI(t, nil, append([]string{"--dsn", dsn, "--name", "killed", "--version", "v1"}, step("selfkill")...)...)
	if code != 128+int(syscall.SIGKILL) {
		t.Errorf("exit = %d, want 137 for a command killed by SIGKILL:\n%s", code, log)
	}
	cfg, _ := pgx.ParseConfig(dsn)
	sts, err := runonce.ReadStatus(context.Background(), cfg, runonce.StatusOptions{Name: "seven", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r := sts[0].Runs[0]; r.Status != "failed" || r.ExitCode == nil || *r.ExitCode != 7 {
		t.Errorf("ledger row = %s exit %v, want failed with 7", r.Status, r.ExitCode)
	}
}

func TestSignalReachesCommand(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	dir := t.TempDir()
	ready, got := filepath.Join(dir, "ready"), filepath.Join(dir, "got")
	c := newCLI(t, nil, append([]string{"--dsn", dsn, "--name", "trap", "--version", "v1"}, step("trap", ready, got)...)...)
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForFile(t, ready, 10*time.Second)
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code := exitStatus(t, c.cmd.Wait())
	if sig := string(waitForFile(t, got, 5*time.Second)); sig != "terminated" {
		t.Errorf("command got %q, want terminated", sig)
	}
	// runonce stopped it: 128+SIGTERM whatever it exited with (issue 10
	// item 3); the ledger keeps the command's own 3.
	if code != 128+int(syscall.SIGTERM) {
		t.Errorf("exit = %d, want 143:\n%s", code, c.stderr.String())
	}
	if st, want := ledgerStatuses(t, dsn, "trap"), []string{"interrupted"}; !slices.Equal(st, want) {
		t.Errorf("ledger = %v, want %v", st, want)
	}
}

func TestSignalWhileWaitingEndsTheWait(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", runonce.LockKey("", "w")); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t, nil, append([]string{"--dsn", dsn, "--name", "w", "--version", "v1"}, step("exit", "0")...)...)
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForSession(t, conn, "w")
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	if code := exitStatus(t, c.cmd.Wait()); code != 128+int(syscall.SIGTERM) {
		t.Errorf("exit = %d, want 143:\n%s", code, c.stderr.String())
	}
}

// waitForSession waits until a runonce session for step name is connected:
// by then its signal handlers are installed.
func waitForSession(t *testing.T, conn *pgx.Conn, name string) {
	t.Helper()
	prefix := fmt.Sprintf("runonce/%016x/", uint64(runonce.LockKey("", name)))
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_stat_activity WHERE starts_with(application_name, $1)", prefix).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no session of step %q within 30s", name)
}

// Bad input: one line of error saying what to do, the documented exit code,
// and never the password.
func TestBadInput(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	u, _ := pgx.ParseConfig(dsn)
	const secret = "s3cr3t-Pa55word"
	wrongPW := fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", u.User, secret, u.Host, u.Port, u.Database)
	missingDB := fmt.Sprintf("postgres://%s:%s@%s:%d/no_such_db?sslmode=disable", u.User, u.Password, u.Host, u.Port)
	refused := fmt.Sprintf("postgres://u:%s@127.0.0.1:1/db?sslmode=disable", secret)
	wrongPWKV := fmt.Sprintf("host=%s port=%d user=%s password=%s dbname=%s sslmode=disable", u.Host, u.Port, u.User, secret, u.Database)
	notExec := filepath.Join(t.TempDir(), "migrate.sh")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\nexit 0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ok := []string{"--", "true"}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		expect string
	}{
		{"wrong password", append([]string{"--dsn", wrongPW, "--name", "x"}, ok...), exitUnavailable, "password authentication failed"},
		{"missing database", append([]string{"--dsn", missingDB, "--name", "x"}, ok...), exitUnavailable, "does not exist"},
		{"unreachable server", append([]string{"--dsn", refused, "--name", "x", "--wait-timeout", "1s"}, ok...), exitWaitTimeout, "connection refused"},
		{"unknown host", append([]string{"--dsn", "postgres://u:" + secret + "@no-such-host.invalid/db", "--name", "x"}, ok...), exitUnavailable, "not found"},
		{"malformed DSN", append([]string{"--dsn", "postgres://u:" + secret + "@host:notaport/db", "--name", "x"}, ok...), exitUsage, "invalid DSN"},
		{"malformed key=value DSN", append([]string{"--dsn", "host=h password=" + secret + " port=x", "--name", "x"}, ok...), exitUsage, "invalid DSN"},
		{"no name", append([]string{"--dsn", dsn}, ok...), exitUsage, "name is required"},
		{"overlong name", append([]string{"--dsn", dsn, "--name", strings.Repeat("n", 201)}, ok...), exitUsage, "at most 200"},
		{"unknown flag", append([]string{"--dsn", dsn, "--name", "x", "--frobnicate"}, ok...), exitUsage, "frobnicate"},
		{"no command", []string{"--dsn", dsn, "--name", "x"}, exitUsage, "no command"},
		{"command not found", []string{"--dsn", dsn, "--name", "x", "--", "no-such-command-xyz"}, exitNotFound, "not found"},
		{"bad wait timeout", append([]string{"--dsn", dsn, "--name", "x", "--wait-timeout", "soon"}, ok...), exitUsage, "wait-timeout"},
		{"empty name given", append([]string{"--dsn", dsn, "--name", ""}, ok...), exitUsage, "name is required"},
		{"name with a newline", append([]string{"--dsn", dsn, "--name", "a\nb"}, ok...), exitUsage, "control characters"},
		{"overlong version", append([]string{"--dsn", dsn, "--name", "x", "--version", strings.Repeat("v", 201)}, ok...), exitUsage, "version"},
		{"lease too short", append([]string{"--dsn", dsn, "--name", "x", "--lease", "100ms"}, ok...), exitUsage, "lease"},
		{"nothing after --", []string{"--dsn", dsn, "--name", "x", "--"}, exitUsage, "no command"},
		{"command not executable", []string{"--dsn", dsn, "--name", "x", "--", notExec}, exitNotExec, "cannot be run"},
		{"wrong password, key=value DSN", append([]string{"--dsn", wrongPWKV, "--name", "x"}, ok...), exitUnavailable, "password authentication failed"},
		{"wrong password in RUNONCE_DSN", append([]string{"--name", "x"}, ok...), exitUnavailable, "password authentication failed"},
		{"status, wrong password", []string{"status", "--dsn", wrongPW}, exitUnavailable, "password authentication failed"},
		// Issue 10 item 1: a typo with the DSN in RUNONCE_DSN (as the deploy
		// manifests pass it) must not print the DSN as a flag default.
		{"unknown flag, DSN in RUNONCE_DSN", []string{"--nmae", "x", "--", "true"}, exitUsage, "nmae"},
		{"malformed URL, password with @ : /", append([]string{"--dsn", "postgres://app:p@ss:w/rd-" + secret + "@db:notaport/app", "--name", "x"}, ok...), exitUsage, "invalid DSN"},
		{"malformed key=value, quoted password", append([]string{"--dsn", "host=h password='p@ss " + secret + "' port=x", "--name", "x"}, ok...), exitUsage, "invalid DSN"},
		{"negative kill grace", append([]string{"--dsn", dsn, "--name", "x", "--kill-grace", "-1s"}, ok...), exitUsage, "negative"},
		{"kill grace past lease/2", append([]string{"--dsn", dsn, "--name", "x", "--lease", "10s", "--kill-grace", "6s"}, ok...), exitUsage, "at most 5s"},
		// Issue 17 item 4.
		{"DSN given as the command", []string{"--name", "x", "--", wrongPW}, exitNotFound, "not found"},
		{"key=value password with an escaped space", append([]string{"--dsn", `host=h password=SEC\ RET` + secret + " port=x", "--name", "x"}, ok...), exitUsage, "invalid DSN"},
		{"bad bool flag value", append([]string{"--dsn", dsn, "--name", "x", "--transaction-pooler=" + secret}, ok...), exitUsage, "transaction-pooler"},
		{"missing command given by path", []string{"--dsn", dsn, "--name", "x", "--", "/no/such/dir/migrate"}, exitNotFound, "not found"},
		{"status, server not answering", []string{"status", "--dsn", refused}, exitUnavailable, "connection refused"},
		// Issue 17 item 5: an explicitly empty version is not serialize-only.
		{"empty version given", append([]string{"--dsn", dsn, "--name", "x", "--version", ""}, ok...), exitUsage, "--version is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := []string{"PGPASSWORD=" + secret}
			if !slices.Contains(tc.args, "--dsn") {
				env = append(env, "RUNONCE_DSN="+wrongPW)
			}
			code, stdout, stderr := runCLI(t, env, tc.args...)
			if code != tc.code {
				t.Errorf("exit = %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			var errLines []string
			for _, l := range strings.Split(stderr, "\n") {
				if strings.HasPrefix(l, "runonce:") {
					errLines = append(errLines, l)
				}
			}
			if len(errLines) != 1 {
				t.Errorf("want exactly one error line, got %d:\n%s", len(errLines), stderr)
			} else if !strings.Contains(errLines[0], tc.expect) {
				t.Errorf("error %q does not say %q", errLines[0], tc.expect)
			}
			if strings.Contains(stdout+stderr, secret) || strings.Contains(stdout+stderr, u.Password) || strings.Contains(stdout+stderr, "ss:w") {
				t.Errorf("the password appears in the output:\n%s%s", stdout, stderr)
			}
		})
	}
}

func TestEnvironmentAndDSNFile(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	dsnFile := filepath.Join(t.TempDir(), "dsn")
	if err := os.WriteFile(dsnFile, []byte(dsn+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"RUNONCE_NAME=envstep", "RUNONCE_VERSION=v9", "RUNONCE_HOLDER=pod-env", "RUNONCE_DSN_FILE=" + dsnFile}
	if code, _, log := runCLI(t, env, step("exit", "0")...); code != 0 {
		t.Fatalf("exit = %d:\n%s", code, log)
	}
	code, out, log := runCLI(t, []string{"RUNONCE_DSN=" + dsn}, "status", "--name", "envstep")
	if code != 0 {
		t.Fatalf("status exit = %d:\n%s", code, log)
	}
	for _, want := range []string{`step "envstep"`, "v9", "pod-env", "succeeded", "holder:  none"} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q:\n%s", want, out)
		}
	}
}

// Issue 10 item 1: RUNONCE_* apply after parsing; --help never shows the
// DSN from the environment; a bad RUNONCE_* value is a usage error (64), as
// the same bad flag is.
func TestEnvironmentAfterFlags(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-Pa55word"
	envDSN := "RUNONCE_DSN=postgres://app:" + secret + "@db.invalid:5432/app"
	code, stdout, stderr := runCLI(t, []string{envDSN}, "--help")
	if code != 0 || !strings.Contains(stdout, "-dsn") {
		t.Errorf("--help: exit %d, want 0 and the usage on stdout:\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, secret) {
		t.Errorf("--help shows the password from RUNONCE_DSN:\n%s%s", stdout, stderr)
	}
	for _, tc := range []struct{ env, want string }{
		{"RUNONCE_TRANSACTION_POOLER=yes", "RUNONCE_TRANSACTION_POOLER"},
		{"RUNONCE_LEASE=soon", "RUNONCE_LEASE"},
	} {
		code, _, stderr := runCLI(t, []string{tc.env, envDSN}, "--name", "x", "--", "true")
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, want 64 naming %s:\n%s", tc.env, code, tc.want, stderr)
		}
	}
	// A flag on the command line wins over a bad value in the environment.
	dsn := pgtest.DB(t)
	if code, _, stderr := runCLI(t, []string{"RUNONCE_LEASE=soon"}, "--dsn", dsn, "--name", "x", "--lease", "5s", "--", "true"); code != 0 {
		t.Errorf("--lease given, RUNONCE_LEASE bad: exit %d, want 0:\n%s", code, stderr)
	}
}

// Issue 10 item 3: a step that runonce stopped at --run-timeout and that
// traps SIGTERM and exits 0 is not recorded as succeeded; runonce exits 124
// and the next replica runs the step again.
func TestRunTimeoutStepExitingZeroIsNotSucceeded(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	args := []string{"--dsn", dsn, "--name", "slow", "--version", "v1", "--run-timeout", "1s", "--kill-grace", "3s",
		"--", "sh", "-c", `trap "exit 0" TERM; sleep 10 & wait`}
	code, _, log := runCLI(t, nil, args...)
	if code != exitRunTimeout {
		t.Errorf("exit = %d, want 124:\n%s", code, log)
	}
	if got := ledgerStatuses(t, dsn, "slow"); len(got) != 1 || got[0] != "failed" {
		t.Errorf("ledger = %v, want [failed]", got)
	}
	code, _, log = runCLI(t, nil, "--dsn", dsn, "--name", "slow", "--version", "v1", "--", "true")
	if code != 0 || !strings.Contains(log, "running") {
		t.Errorf("next replica: exit %d, want it to run the step:\n%s", code, log)
	}
}

// Issue 10 item 9: what the step left running in its process group is
// killed when it exits; it must not run on after the lock is released.
func TestStepsLeftoversAreKilled(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	code, _, log := runCLI(t, nil, "--dsn", dsn, "--name", "bg", "--", "sh", "-c", "sleep 300 & echo $! > "+pidFile)
	if code != 0 {
		t.Fatalf("exit = %d:\n%s", code, log)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(waitForFile(t, pidFile, 5*time.Second))))
	deadline := time.Now().Add(2 * time.Second)
	for !processGone(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !processGone(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the step's background process (pid %d) outlived runonce", pid)
	}
}

// Issue 10 item 9 / issue 11 item 1: when runonce itself is SIGKILLed, the
// whole of the step's process group dies, not only its direct child
// (Pdeathsig's reach): the watchdog kills the rest.
func TestStepsGroupDiesWithRunonce(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	pidFile := filepath.Join(t.TempDir(), "pid")
	c := newCLI(t, nil, "--dsn", dsn, "--name", "grp", "--", "sh", "-c", "sleep 300 & echo $! > "+pidFile+"; wait")
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(waitForFile(t, pidFile, 30*time.Second))))
	time.Sleep(200 * time.Millisecond) // the watchdog starts just after the step
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	_ = c.cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for !processGone(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !processGone(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the step's grandchild (pid %d) outlived a SIGKILLed runonce", pid)
	}
}
