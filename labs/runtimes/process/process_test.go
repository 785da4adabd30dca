//go:build unix

package process_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/process"
	"github.com/bloglabs/posts/labs/spec"
)

// The test binary doubles as the replicas' program: PROCESS_HELPER says
// what it plays.
func TestMain(m *testing.M) {
	switch os.Getenv("PROCESS_HELPER") {
	case "":
		os.Exit(m.Run())
	case "crash":
		fmt.Fprintln(os.Stderr, "boom")
		os.Exit(3)
	case "ok":
		os.Exit(0)
	case "fail-twice":
		// Fails on its first two runs, counted in a file, like an init
		// step that waits for something to come up.
		f := os.Getenv("COUNT_FILE")
		b, _ := os.ReadFile(f)
		n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		_ = os.WriteFile(f, []byte(strconv.Itoa(n+1)), 0o644)
		if n < 2 {
			fmt.Fprintln(os.Stderr, "not yet")
			os.Exit(1)
		}
		os.Exit(0)
	case "serve":
		l, err := net.Listen("tcp", "127.0.0.1:"+os.Getenv("PORT"))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println("serving", os.Getenv("POD_NAME"), os.Getenv("HOLDER"))
		go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		<-sig
		os.Exit(0)
	}
}

func helper(t *testing.T, mode string, env ...spec.EnvVar) spec.Container {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return spec.Container{Name: mode, Command: []string{exe}, Env: append([]spec.EnvVar{{Name: "PROCESS_HELPER", Value: mode}}, env...)}
}

type recorder struct {
	mu     sync.Mutex
	events []runtimes.Event
	notify chan struct{}
}

func newRecorder() *recorder { return &recorder{notify: make(chan struct{}, 1)} }

func (r *recorder) sink(e runtimes.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	select {
	case r.notify <- struct{}{}:
	default:
	}
}

func (r *recorder) count(kind runtimes.EventKind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func (r *recorder) of(pod string) []runtimes.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []runtimes.Event
	for _, e := range r.events {
		if e.Pod == pod && e.Kind != runtimes.Output {
			out = append(out, e)
		}
	}
	return out
}

// runUntil runs d until cond holds (or 20 s pass), then stops it.
func runUntil(t *testing.T, rt *process.Runtime, d spec.Deployment, rec *recorder, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx, d, rec.sink) }()
	for !cond() {
		select {
		case <-rec.notify:
		case <-ctx.Done():
			t.Fatalf("condition not reached in time; events: %v", rec.events)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of cancel")
	}
}

func TestCrashLoopBacksOffThenGivesUp(t *testing.T) {
	t.Parallel()
	rt := process.New(process.Options{RestartPolicy: runtimes.RestartPolicy{BackoffInitial: 50 * time.Millisecond, BackoffMax: 120 * time.Millisecond, MaxRestarts: 3}})
	d := spec.Deployment{Name: "crash", Replicas: 3, Container: helper(t, "crash")}
	rec := newRecorder()
	runUntil(t, rt, d, rec, func() bool { return rec.count(runtimes.GaveUp) == d.Replicas })

	for i := range d.Replicas {
		evs := rec.of(d.PodName(i))
		var kinds []string
		for _, e := range evs {
			kinds = append(kinds, string(e.Kind))
		}
		want := "started crashed restarted crashed restarted crashed restarted crashed gave-up"
		if got := strings.Join(kinds, " "); got != want {
			t.Fatalf("%s events:\n got %s\nwant %s", d.PodName(i), got, want)
		}
		// Each restart comes no earlier than its back-off after the crash:
		// 50 ms doubling, capped at 120 ms.
		wantGaps := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 120 * time.Millisecond}
		for k, gap := range wantGaps {
			crash, restart := evs[1+2*k], evs[2+2*k]
			if got := restart.Time.Sub(crash.Time); got < gap {
				t.Errorf("%s restart %d came %v after the crash, want >= %v", d.PodName(i), k+1, got, gap)
			}
			if restart.Attempt != k+1 {
				t.Errorf("%s restart %d has attempt %d, want %d", d.PodName(i), k+1, restart.Attempt, k+1)
			}
		}
		for _, e := range evs {
			if e.Kind == runtimes.Crashed && (e.ExitCode != 3 || e.Detail != "boom") {
				t.Errorf("%s crash: exit %d detail %q, want exit 3 detail boom", d.PodName(i), e.ExitCode, e.Detail)
			}
		}
	}
}

func TestInitRestartsUntilItSucceedsThenMainBecomesReady(t *testing.T) {
	t.Parallel()
	count := filepath.Join(t.TempDir(), "count")
	rt := process.New(process.Options{RestartPolicy: runtimes.RestartPolicy{BackoffInitial: 20 * time.Millisecond}})
	main := helper(t, "serve", spec.EnvVar{Name: "HOLDER", Value: "holder=$(POD_NAME)"})
	main.Port = 8080
	main.Readiness = &spec.HTTPProbe{Path: "/readyz"}
	d := spec.Deployment{Name: "web", Replicas: 1,
		InitContainers: []spec.Container{helper(t, "fail-twice", spec.EnvVar{Name: "COUNT_FILE", Value: count})},
		Container:      main}
	rec := newRecorder()
	runUntil(t, rt, d, rec, func() bool { return rec.count(runtimes.Ready) == 1 })

	var kinds []string
	for _, e := range rec.of("web-0") {
		kinds = append(kinds, string(e.Kind)+"/"+e.Container)
	}
	want := "started/fail-twice crashed/fail-twice restarted/fail-twice crashed/fail-twice restarted/fail-twice init-done/fail-twice started/serve ready/serve"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("events:\n got %s\nwant %s", got, want)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	found := false
	for _, e := range rec.events {
		if e.Kind == runtimes.Output && strings.HasPrefix(e.Detail, "serving") {
			found = true
			if e.Detail != "serving web-0 holder=web-0" {
				t.Errorf("output %q, want POD_NAME and $(POD_NAME) expanded: serving web-0 holder=web-0", e.Detail)
			}
		}
	}
	if !found {
		t.Error("no output line from the main container")
	}
}

func TestReplicasAreReleasedTogether(t *testing.T) {
	t.Parallel()
	rt := process.New(process.Options{})
	main := helper(t, "serve")
	main.Port = 8080
	main.Readiness = &spec.HTTPProbe{Path: "/"}
	d := spec.Deployment{Name: "many", Replicas: 20, Container: main}
	rec := newRecorder()
	runUntil(t, rt, d, rec, func() bool { return rec.count(runtimes.Ready) == d.Replicas })

	rec.mu.Lock()
	defer rec.mu.Unlock()
	var released time.Time
	starts := map[string]time.Time{}
	for _, e := range rec.events {
		switch e.Kind {
		case runtimes.Released:
			released = e.Time
		case runtimes.Started:
			starts[e.Pod] = e.Time
		}
	}
	if released.IsZero() || len(starts) != d.Replicas {
		t.Fatalf("released=%v, %d starts; want a release and %d starts", released, len(starts), d.Replicas)
	}
	for pod, at := range starts {
		if !at.Equal(released) {
			t.Errorf("%s started at %v, want the release instant %v", pod, at, released)
		}
	}
	// All 20 servers listened, so each had a port of its own.
	if n := rec.countLocked(runtimes.Ready); n != d.Replicas {
		t.Errorf("%d ready, want %d", n, d.Replicas)
	}
}

func (r *recorder) countLocked(kind runtimes.EventKind) int {
	n := 0
	for _, e := range r.events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func TestStopEndsEveryProcess(t *testing.T) {
	t.Parallel()
	rt := process.New(process.Options{StopGrace: 500 * time.Millisecond})
	// A shell that ignores SIGTERM and has a child: stop must still end
	// both (SIGKILL to the process group after the grace).
	c := spec.Container{Name: "stubborn", Command: []string{"sh", "-c", `trap "" TERM; sleep 300 & echo child $!; wait`}}
	d := spec.Deployment{Name: "stub", Replicas: 2, Container: c}
	rec := newRecorder()
	start := time.Now()
	runUntil(t, rt, d, rec, func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		n := 0
		for _, e := range rec.events {
			if e.Kind == runtimes.Output && strings.HasPrefix(e.Detail, "child ") {
				n++
			}
		}
		return n == d.Replicas
	})
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("stop took %v, want about the 500ms grace", took)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, e := range rec.events {
		if e.Kind != runtimes.Output || !strings.HasPrefix(e.Detail, "child ") {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimPrefix(e.Detail, "child "))
		// Signal 0 probes existence; a zombie reparented to init is reaped
		// quickly, so allow a moment.
		deadline := time.Now().Add(2 * time.Second)
		for syscall.Kill(pid, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("child %d of %s still alive after stop", pid, e.Pod)
		}
	}
}

func TestMissingProgramCrashesWithReason(t *testing.T) {
	t.Parallel()
	rt := process.New(process.Options{RestartPolicy: runtimes.RestartPolicy{BackoffInitial: 10 * time.Millisecond, MaxRestarts: 1}})
	d := spec.Deployment{Name: "nope", Replicas: 2, Container: spec.Container{Name: "app", Command: []string{"no-such-program-here"}}}
	rec := newRecorder()
	runUntil(t, rt, d, rec, func() bool { return rec.count(runtimes.GaveUp) == d.Replicas })
	for _, e := range rec.of("nope-0") {
		if e.Kind == runtimes.Crashed && (e.ExitCode != -1 || !strings.Contains(e.Detail, "no-such-program-here")) {
			t.Errorf("crash exit %d detail %q, want -1 and the program's name", e.ExitCode, e.Detail)
		}
	}
}
