package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bloglabs/posts/ci-preemptible/cmd/cisim/app"
	"github.com/bloglabs/posts/internal/cli"
)

// run is main.go in process: Run, then Report on stderr.
func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	err := app.Run(context.Background(), cli.Streams{Out: &o, Err: &e}, args)
	cli.Report(&e, "cisim", err)
	return o.String(), e.String(), app.ExitCode(err)
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		code    int
		wantErr string
	}{
		{[]string{"--nope"}, 64, "cisim: flag provided but not defined: -nope (see cisim --help)\n"},
		{[]string{"--scenario", "no-such-scenario"}, 64, "cisim: --scenario: no such scenario: no-such-scenario"},
		{[]string{"lab", "--scenario", "post-tainted"}, 64, "cisim: lab runs the blog post's scenarios"},
		{[]string{"list", "extra"}, 64, "cisim: list takes no arguments (see cisim --help)\n"},
		{[]string{"stray"}, 64, `cisim: unexpected argument "stray" (see cisim --help)` + "\n"},
		{[]string{"--seed", "x"}, 64, `cisim: invalid value "x" for flag -seed`},
	} {
		stdout, stderr, code := run(t, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit code %d, want %d (stderr %q)", tc.args, code, tc.code, stderr)
		}
		if !strings.HasPrefix(stderr, tc.wantErr) || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: stderr %q, want one line starting %q", tc.args, stderr, tc.wantErr)
		}
		if stdout != "" {
			t.Errorf("%v: stdout %q, want nothing", tc.args, stdout)
		}
	}
}

func TestRunHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--help"}, {"-h"}, {"lab", "--help"}} {
		stdout, stderr, code := run(t, args...)
		if code != 0 || stderr != "" {
			t.Errorf("%v: exit code %d, stderr %q; want 0 and nothing", args, code, stderr)
		}
		for _, want := range []string{"usage:", "cisim lab --runtime kwok", "-kubeconfig FILE", "-scenario FILE"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%v: usage on stdout lacks %q", args, want)
			}
		}
	}
}

func TestRunScenarioFileWithJSONAndSVG(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	jsonPath, svgPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.svg")
	stdout, stderr, code := run(t, "--scenario", "post-tainted", "--scenario", "../../../scenarios/basement-box.yaml", "--horizon", "72h", "--seed", "7", "--json", jsonPath, "--svg", svgPath)
	if code != 0 {
		t.Fatalf("exit code %d: %s", code, stderr)
	}
	for _, want := range []string{"post-tainted", "basement-box", "results: " + jsonPath, "chart: " + svgPath} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, p := range []string{jsonPath, svgPath} {
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
}

func TestRunHonoursCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := app.Run(ctx, cli.Streams{Out: io.Discard, Err: io.Discard}, nil)
	if !errors.Is(err, context.Canceled) || app.ExitCode(err) != app.ExitInterrupted {
		t.Errorf("err %v (exit %d), want context.Canceled (exit %d)", err, app.ExitCode(err), app.ExitInterrupted)
	}
}
