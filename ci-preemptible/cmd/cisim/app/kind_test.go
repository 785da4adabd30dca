package app_test

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/cmd/cisim/app"
	"github.com/bloglabs/posts/ci-preemptible/kindlab"
	"github.com/bloglabs/posts/ci-preemptible/kwoklab"
	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/runtimes/kind"
)

// The command line of the live labs, without a cluster: what reaches
// kindlab.Run and kwoklab.Run, and what is refused before them.
func TestRunLiveFlags(t *testing.T) {
	var gotKind *kindlab.Options
	var gotLive *kwoklab.Options
	app.SetLiveLabs(t.Cleanup, func(_ context.Context, _ io.Writer, o kindlab.Options) error {
		gotKind = &o
		return nil
	}, func(_ context.Context, _ io.Writer, o kwoklab.Options) error {
		gotLive = &o
		return nil
	})
	kindDefaults := kindlab.Options{Cluster: "preemptible-lab", Jobs: 2, Notice: 5 * time.Second, Timeout: 3 * time.Minute}
	for _, tc := range []struct {
		args     []string
		code     int
		wantKind *kindlab.Options
		wantLive *kwoklab.Options
	}{
		{args: []string{"lab", "--runtime", "kind"}, wantKind: &kindDefaults},
		{args: []string{"lab", "--runtime", "kind", "--cluster", "mine", "--keep", "--jobs", "3", "--notice", "30s", "--timeout", "5m"},
			wantKind: &kindlab.Options{Cluster: "mine", Keep: true, Jobs: 3, Notice: 30 * time.Second, Timeout: 5 * time.Minute}},
		{args: []string{"--runtime", "kind"}, wantKind: &kindDefaults},
		{args: []string{"lab", "--runtime", "kwok"}, wantLive: &kwoklab.Options{Timeout: 3 * time.Minute}},
		{args: []string{"lab", "--runtime", "kwok", "--kubeconfig", "k.yaml", "--context", "c", "--json", "r.json", "--record", "d", "--timeout", "1m"},
			wantLive: &kwoklab.Options{Kubeconfig: "k.yaml", Context: "c", JSON: "r.json", Record: "d", Timeout: time.Minute}},
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
		gotKind, gotLive = nil, nil
		var stderr strings.Builder
		err := app.Run(context.Background(), cli.Streams{Out: io.Discard, Err: &stderr}, tc.args)
		if code := app.ExitCode(err); code != tc.code {
			t.Errorf("%v: exit code %d (err %v), want %d", tc.args, code, err, tc.code)
			continue
		}
		if tc.code != 0 {
			if gotKind != nil || gotLive != nil {
				t.Errorf("%v: refused, yet a live lab ran", tc.args)
			}
			continue
		}
		switch {
		case tc.wantKind != nil:
			if gotKind == nil || gotKind.Progress == nil {
				t.Errorf("%v: the kind lab did not run, or without a progress writer", tc.args)
				continue
			}
			gotKind.Progress = nil
			if *gotKind != *tc.wantKind {
				t.Errorf("%v: options %+v, want %+v", tc.args, *gotKind, *tc.wantKind)
			}
		case tc.wantLive != nil:
			if gotLive == nil || gotLive.Progress == nil {
				t.Errorf("%v: the kwok lab did not run, or without a progress writer", tc.args)
				continue
			}
			gotLive.Progress = nil
			if !reflect.DeepEqual(*gotLive, *tc.wantLive) {
				t.Errorf("%v: options %+v, want %+v", tc.args, *gotLive, *tc.wantLive)
			}
		}
	}
}

// On a machine where kind cannot run (the project's: cgroup v1, privileged
// containers refused), the kind lab says so plainly, exits nonzero and
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
		t.Skip("kind can run here: the kind lab would create a cluster; run it by hand")
	}
	var stdout, stderr strings.Builder
	err := app.Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr}, []string{"lab", "--runtime", "kind", "--cluster", "cisim-test-never-created"})
	if !errors.Is(err, kind.ErrHost) {
		t.Fatalf("err %v, want kind.ErrHost", err)
	}
	if app.ExitCode(err) == 0 {
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
