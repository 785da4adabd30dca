//go:build unix

package controlplane_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bloglabs/posts/tools/controlplane"
	"github.com/bloglabs/posts/tools/controlplane/cptest"
)

// A component that dies is named, with the end of its log; Close then stops
// the others all the same: no process (nor process group) is left, the API
// port is closed, the folder is gone. (One control plane for both checks:
// each costs ~10 s and ~600 MB.)
func TestHealthyAndClose(t *testing.T) {
	t.Parallel()
	// Not cptest.New: its cleanup would report the killed scheduler.
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	c, err := controlplane.Start(ctx, controlplane.Options{Binaries: cptest.Binaries(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	procs := c.Processes()
	var names []string
	for _, p := range procs {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, " "); got != "etcd kube-apiserver kube-controller-manager kube-scheduler kwok" {
		t.Fatalf("processes %q, want etcd kube-apiserver kube-controller-manager kube-scheduler kwok", got)
	}
	if err := c.Healthy(); err != nil {
		t.Fatalf("Healthy: %v", err)
	}

	sched := procs[3]
	if err := syscall.Kill(sched.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); err == nil && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		err = c.Healthy()
	}
	if err == nil || !strings.Contains(err.Error(), "kube-scheduler exited (signal: killed); last lines of "+sched.Log) {
		t.Errorf("Healthy after killing the scheduler: %v; want it named, with its log", err)
	}

	if err := c.Close(); err == nil || !strings.Contains(err.Error(), "kube-scheduler exited") {
		t.Errorf("Close: %v; want the scheduler's death reported", err)
	}
	for _, p := range procs {
		if err := syscall.Kill(-p.PID, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s: process group %d after Close: kill -0 says %v, want ESRCH (gone)", p.Name, p.PID, err)
		}
	}
	if _, err := os.Stat(c.Dir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("folder %s after Close: %v, want it removed", c.Dir(), err)
	}
	if _, err := cptest.Client(t, c).Discovery().ServerVersion(); err == nil {
		t.Errorf("API server still answers after Close")
	}
}
