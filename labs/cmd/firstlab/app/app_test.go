package app_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/cmd/firstlab/app"
)

func TestUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--help"}, 0},
		{[]string{"--nope"}, cli.ExitUsage},
		{[]string{"stray"}, cli.ExitUsage},
	} {
		var stdout, stderr bytes.Buffer
		err := app.Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr}, tc.args)
		if got := app.ExitCode(err); got != tc.code {
			t.Errorf("%q: exit %d (%v), want %d", tc.args, got, err, tc.code)
		}
	}
}
