package clitest

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
)

// Usage checks a command's Run (run) and ExitCode (exitCode): --help
// prints "usage: NAME" on stdout and exits 0, and each of the bad command
// lines exits [cli.ExitUsage].
func Usage(t *testing.T, run func(context.Context, cli.Streams, []string) error, exitCode func(error) int, name string, bad ...[]string) {
	t.Helper()
	check := func(args []string, want int, stdout string) {
		t.Helper()
		var out, errb bytes.Buffer
		err := run(context.Background(), cli.Streams{Out: &out, Err: &errb}, args)
		if code := exitCode(err); code != want || !strings.Contains(out.String(), stdout) {
			t.Errorf("%s %q: exit %d (%v), stdout %q, stderr %q; want exit %d and %q on stdout", name, args, code, err, out.String(), errb.String(), want, stdout)
		}
	}
	check([]string{"--help"}, 0, "usage: "+name)
	for _, args := range bad {
		check(args, cli.ExitUsage, "")
	}
}
