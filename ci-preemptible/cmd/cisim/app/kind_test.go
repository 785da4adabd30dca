package app_test

import (
	"context"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/cmd/cisim/app"
	"github.com/bloglabs/posts/ci-preemptible/kindlab"
	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/runtimes/kind"
)

// The command line of the live labs, without a cluster: what reaches the
// kwok and kind labs, and what is refused before them.
func TestRunLiveFlags(t *testing.T) {
	t.Parallel()
	var got *app.LiveOptions
	var gotRuntime string
	fake := func(runtime string) app.LiveLab {
		return func(_ context.Context, _ io.Writer, o app.LiveOptions) error {
			got, gotRuntime = &o, runtime
			return nil
		}
	}
	cmd := app.Command{Live: map[string]app.LiveLab{app.RuntimeKind: fake(app.RuntimeKind), app.RuntimeKwok: fake(app.RuntimeKwok)}}
	kindDefaults := app.LiveOptions{Cluster: "preemptible-lab", Jobs: 2, Notice: 5 * time.Second, Timeout: 3 * time.Minute}
	kwokDefaults := kindDefaults
	for _, tc := range []struct {
		args    []string
		code    int
		runtime string
		want    app.LiveOptions
	}{
		{args: []string{"lab", "--runtime", "kind"}, runtime: "kind", want: kindDefaults},
		{args: []string{"lab", "--runtime", "kind", "--cluster", "mine", "--keep", "--jobs", "3", "--notice", "30s", "--timeout", "5m"},
			runtime: "kind", want: app.LiveOptions{Cluster: "mine", Keep: true, Jobs: 3, Notice: 30 * time.Second, Timeout: 5 * time.Minute}},
		{args: []string{"--runtime", "kind"}, runtime: "kind", want: kindDefaults},
		{args: []string{"lab", "--runtime", "kwok"}, runtime: "kwok", want: kwokDefaults},
		{args: []string{"lab", "--runtime", "kwok", "--kubeconfig", "k.yaml", "--context", "c", "--json", "r.json", "--record", "d", "--timeout", "1m"},
			runtime: "kwok", want: app.LiveOptions{Kubeconfig: "k.yaml", Context: "c", JSON: "r.json", Record: "d",
				Cluster: "preemptible-lab", Jobs: 2, Notice: 5 * time.Second, Timeout: time.Minute}},
		{args: []string{"lab", "--runtime", "kwok", "--live", "127.0.0.1:0"}, runtime: "kwok",
			want: app.LiveOptions{View: "127.0.0.1:0", Cluster: "preemptible-lab", Jobs: 2, Notice: 5 * time.Second, Timeout: 3 * time.Minute}},
		{args: []string{"lab", "--runtime", "kind", "--live", "127.0.0.1:0"}, code: 64},
		{args: []string{"lab", "--runtime", "kind", "--svg", "x.svg"}, code: 64},
		{args: []string{"lab", "--runtime", "kind", "--scenario", "post-tainted"}, code: 64},
		{args: []string{"lab", "--runtime", "kind", "--seed", "3"}, code: 64},
		{args: []string{"lab", "--runtime", "kind", "--jobs", "0"}, code: 64},
		{args: []string{"lab", "--runtime", "kind", "--kubeconfig", "k"}, code: 64},
		{args: []string{"lab", "--runtime", "kwok", "--keep"}, code: 64},
		{args: []string{"lab", "--runtime", "kwok", "--svg", "x.svg"}, code: 64},
		{args: []string{"lab", "--runtime", "docker"}, code: 64},
		{args: []string{"lab", "--keep"}, code: 64},
		{args: []string{"lab", "--kubeconfig", "k"}, code: 64},
		{args: []string{"lab", "--runtime", "sim", "--cluster", "x"}, code: 64},
	} {
		got, gotRuntime = nil, ""
		var stderr strings.Builder
		err := cmd.Run(context.Background(), cli.Streams{Out: io.Discard, Err: &stderr}, tc.args)
		if code := app.ExitCode(err); code != tc.code {
			t.Errorf("%v: exit code %d (err %v), want %d", tc.args, code, err, tc.code)
			continue
		}
		if tc.code != 0 {
			if got != nil {
				t.Errorf("%v: refused, yet a live lab ran", tc.args)
			}
			continue
		}
		if got == nil || gotRuntime != tc.runtime || got.Progress != &stderr {
			t.Errorf("%v: ran %q (options %+v); want the %s lab, with stderr for progress", tc.args, gotRuntime, got, tc.runtime)
			continue
		}
		got.Progress = nil
		if *got != tc.want {
			t.Errorf("%v: options %+v, want %+v", tc.args, *got, tc.want)
		}
	}
}

// The default build does not link kindlab: it keeps kind's default
// cluster name as a constant of its own, which must be kindlab's.
func TestDefaultClusterIsKindlabs(t *testing.T) {
	t.Parallel()
	if app.DefaultCluster != kindlab.DefaultCluster {
		t.Errorf("app.DefaultCluster %q, kindlab.DefaultCluster %q: want the same", app.DefaultCluster, kindlab.DefaultCluster)
	}
}

// On a machine where kind cannot run (the project's: cgroup v1, privileged
// containers refused), the kind lab says so plainly, exits nonzero and
// creates no cluster — run as a newcomer runs it, by the default build,
// which hands it to the full one. Where kind can run, this test would
// create a cluster, so it skips: run `go run ./ci-preemptible/cmd/cisim lab
// --runtime kind` by hand.
func TestRunLiveRefusesWhereKindCannotRun(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: the host check starts a container, and the full build compiles kind's and Docker's libraries")
	}
	if exec.Command("docker", "version").Run() != nil {
		t.Skip("no Docker engine answers: the host check has nothing to probe (install docker.io and start dockerd)")
	}
	if kind.CheckHost(context.Background()) == nil {
		t.Skip("kind can run here: the kind lab would create a cluster; run it by hand")
	}
	root := repoRoot(t)
	stdout, stderr, code := runLight(t, root, "lab", "--runtime", "kind", "--cluster", "cisim-test-never-created")
	if code != 1 {
		t.Errorf("exit code %d, want 1 (stderr %q)", code, stderr)
	}
	// What to do is cisim's own: the simulated lab; not the race labs'
	// runtimes (--runtime docker, process), which cisim has not.
	if !strings.Contains(stderr, "kind cannot run on this machine: ") || !strings.Contains(stderr, "cisim lab, without --runtime kind") ||
		strings.Contains(stderr, "--runtime docker") || strings.Contains(stderr, "--runtime process") {
		t.Errorf("the message does not say what is missing and what cisim can do instead: %q", stderr)
	}
	if stdout != "" {
		t.Errorf("stdout %q, want nothing: no table without a cluster", stdout)
	}
	if out, _ := exec.Command("docker", "ps", "-a", "--filter", "name=cisim-test-never-created", "-q").Output(); len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("a node container exists after the refusal: %s", out)
	}
}
