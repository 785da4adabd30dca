package cisim_test

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/cisim"
	"github.com/bloglabs/posts/labs/runtimes/kind"
)

// The command line of the live lab, without a cluster: what reaches
// RunLiveLab, and what is refused before it.
func TestRunLiveFlags(t *testing.T) {
	var got *cisim.LiveOptions
	cisim.SetRunLive(t.Cleanup, func(_ context.Context, _ io.Writer, o cisim.LiveOptions) error {
		got = &o
		return nil
	})
	for _, tc := range []struct {
		args []string
		code int
		want cisim.LiveOptions
	}{
		{args: []string{"lab", "--runtime", "kind"},
			want: cisim.LiveOptions{Cluster: "preemptible-lab", Jobs: 2, Notice: 5 * time.Second, Timeout: 3 * time.Minute}},
		{args: []string{"lab", "--runtime", "kind", "--cluster", "mine", "--keep", "--jobs", "3", "--notice", "30s", "--timeout", "5m"},
			want: cisim.LiveOptions{Cluster: "mine", Keep: true, Jobs: 3, Notice: 30 * time.Second, Timeout: 5 * time.Minute}},
		{args: []string{"--runtime", "kind"},
			want: cisim.LiveOptions{Cluster: "preemptible-lab", Jobs: 2, Notice: 5 * time.Second, Timeout: 3 * time.Minute}},
		{args: []string{"lab", "--runtime", "kind", "--svg", "x.svg"}, code: 2},
		{args: []string{"lab", "--runtime", "kind", "--scenario", "post-tainted"}, code: 2},
		{args: []string{"lab", "--runtime", "kind", "--seed", "3"}, code: 2},
		{args: []string{"lab", "--runtime", "kind", "--jobs", "0"}, code: 2},
		{args: []string{"lab", "--runtime", "docker"}, code: 2},
		{args: []string{"lab", "--keep"}, code: 2},
		{args: []string{"lab", "--runtime", "sim", "--cluster", "x"}, code: 2},
	} {
		got = nil
		var stderr strings.Builder
		err := cisim.Run(context.Background(), tc.args, io.Discard, &stderr)
		if code := cisim.ExitCode(err); code != tc.code {
			t.Errorf("%v: exit code %d (err %v), want %d", tc.args, code, err, tc.code)
			continue
		}
		if tc.code != 0 {
			if got != nil {
				t.Errorf("%v: refused, yet the live lab ran", tc.args)
			}
			continue
		}
		if got == nil {
			t.Errorf("%v: the live lab did not run", tc.args)
			continue
		}
		if got.Progress == nil {
			t.Errorf("%v: no progress writer", tc.args)
		}
		got.Progress = nil
		if *got != tc.want {
			t.Errorf("%v: options %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}

// On a machine where kind cannot run (the project's: cgroup v1, privileged
// containers refused), the live lab says so plainly, exits nonzero and
// creates no cluster. Where kind can run, this test would create one, so it
// skips: run `go run ./ci-preemptible/cmd/cisim lab --runtime kind` by hand.
func TestRunLiveRefusesWhereKindCannotRun(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: the host check starts a container")
	}
	if exec.Command("docker", "version").Run() != nil {
		t.Skip("no Docker engine answers: the host check has nothing to probe (install docker.io and start dockerd)")
	}
	if kind.CheckHost(context.Background()) == nil {
		t.Skip("kind can run here: the live lab would create a cluster; run it by hand")
	}
	var stdout, stderr strings.Builder
	err := cisim.Run(context.Background(), []string{"lab", "--runtime", "kind", "--cluster", "cisim-test-never-created"}, &stdout, &stderr)
	if !errors.Is(err, kind.ErrHost) {
		t.Fatalf("err %v, want kind.ErrHost", err)
	}
	if cisim.ExitCode(err) == 0 {
		t.Errorf("exit code 0 for %v", err)
	}
	if !strings.Contains(err.Error(), "kind cannot run on this machine: ") || !strings.Contains(err.Error(), "--runtime docker") {
		t.Errorf("the message does not say what is missing and what to do: %v", err)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q, want nothing: no table without a cluster", stdout.String())
	}
	if out, _ := exec.Command("docker", "ps", "-a", "--filter", "name=cisim-test-never-created", "-q").Output(); len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("a node container exists after the refusal: %s", out)
	}
}
