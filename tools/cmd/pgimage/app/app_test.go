package app

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
)

// The one CLI shape: --help on stdout, exit 0; a bad flag or argument, exit
// 64 before anything starts.
func TestUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"--help"}, 0, "usage: pgimage"},
		{[]string{"--tga", "x"}, cli.ExitUsage, ""},
		{[]string{"extra"}, cli.ExitUsage, ""},
	} {
		var out, errb bytes.Buffer
		err := Run(context.Background(), cli.Streams{Out: &out, Err: &errb}, tt.args)
		if code := ExitCode(err); code != tt.code || !strings.Contains(out.String(), tt.out) {
			t.Errorf("%v: exit %d (%v), stdout %q; want exit %d and %q", tt.args, code, err, out.String(), tt.code, tt.out)
		}
	}
}
