//go:build unix

package process_test

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/contract"
	"github.com/bloglabs/posts/labs/runtimes/process"
	"github.com/bloglabs/posts/labs/spec"
)

// Stopping a run ends every process of it, children too, even one that
// ignores SIGTERM: SIGKILL to the process group after the grace.
func TestStopEndsEveryProcess(t *testing.T) {
	t.Parallel()
	rt := process.New(process.Options{StopGrace: 500 * time.Millisecond})
	c := spec.Container{Name: "stubborn", Command: []string{"sh", "-c", `trap "" TERM; sleep 300 & echo child $!; wait`}}
	d := spec.Deployment{Name: "stub", Replicas: 2, Container: c}
	rec := contract.NewRecorder()
	children := func() []runtimes.Event {
		var out []runtimes.Event
		for _, e := range rec.Events() {
			if e.Kind == runtimes.Output && strings.HasPrefix(e.Detail, "child ") {
				out = append(out, e)
			}
		}
		return out
	}
	contract.RunUntil(t, rt, d, rec, 20*time.Second, func() bool { return len(children()) == d.Replicas })
	for _, e := range children() {
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
