package demoapp_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/demoapp"
)

// demoapp has the one CLI shape: --help on stdout and exit 0, a bad command
// line one line and exit 64, any other failure 1 (a crash, to the labs).
func TestCommandLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
	}{
		{nil, cli.ExitUsage},
		{[]string{"--help"}, 0},
		{[]string{"help"}, 0},
		{[]string{"migrate", "--no-such-flag"}, cli.ExitUsage},
		{[]string{"migrate", "--lock", "flock"}, cli.ExitUsage},
		{[]string{"dance"}, cli.ExitUsage},
	} {
		var stdout, stderr bytes.Buffer
		err := demoapp.Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr}, tc.args)
		if got := demoapp.ExitCode(err); got != tc.code {
			t.Errorf("%q: %v (exit %d), want exit %d", tc.args, err, got, tc.code)
		}
		if tc.code == 0 && (!errors.Is(err, cli.ErrHelp) || !strings.Contains(stdout.String(), "usage: demoapp COMMAND")) {
			t.Errorf("%q: %v, stdout %q; want the usage on stdout", tc.args, err, stdout.String())
		}
		// Issue 21: the command list has no flags of its own; it must not
		// end on a "flags:" heading over nothing.
		if tc.code == 0 && strings.HasSuffix(strings.TrimSpace(stdout.String()), "flags:") {
			t.Errorf("%q: the usage ends with a dangling \"flags:\":\n%s", tc.args, stdout.String())
		}
	}
	if got := demoapp.ExitCode(errors.New("migration 4 failed")); got != 1 {
		t.Errorf("ExitCode(a failure) = %d, want 1", got)
	}
}

// Issue 21: under runonce, demoapp names itself as runonce's ledger does
// (runonce hands its step RUNONCE_HOLDER), not by the host name, even
// without POD_NAME; POD_NAME, then the host name, otherwise.
func TestPodName(t *testing.T) {
	host, _ := os.Hostname()
	for _, tc := range []struct{ holder, pod, want string }{
		{"demo-0", "", "demo-0"},
		{"demo-0", "demo-0", "demo-0"},
		{"", "web-1", "web-1"},
		{"", "", host},
	} {
		t.Setenv("RUNONCE_HOLDER", tc.holder)
		t.Setenv("POD_NAME", tc.pod)
		c, err := demoapp.ConfigFromEnv()
		if err != nil || c.Pod != tc.want {
			t.Errorf("RUNONCE_HOLDER=%q POD_NAME=%q: Pod %q (%v), want %q", tc.holder, tc.pod, c.Pod, err, tc.want)
		}
	}
}
