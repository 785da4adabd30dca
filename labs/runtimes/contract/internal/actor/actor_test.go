package actor_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/runtimes/contract/internal/actor"
)

// Each command ends with the status the scenarios expect of it.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	closed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer closed.Close()
	open := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer open.Close()
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"crash"}, 3, "boom"},
		{[]string{"await", closed.URL}, 1, "not yet: 503"},
		{[]string{"await", open.URL}, 0, ""},
		{[]string{"dance"}, cli.ExitUsage, "unknown command"},
		{nil, cli.ExitUsage, "name a command"},
	} {
		var out bytes.Buffer
		err := actor.Run(context.Background(), cli.Streams{Out: &out, Err: &out}, tc.args)
		if got := actor.ExitCode(err); got != tc.code {
			t.Errorf("actor %v: exit %d, want %d (err %v)", tc.args, got, tc.code, err)
		}
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("actor %v: err %v, want one containing %q", tc.args, err, tc.err)
		}
	}
	if !errors.Is(actor.Run(context.Background(), cli.Streams{Out: &bytes.Buffer{}}, []string{"help"}), cli.ErrHelp) {
		t.Error("actor help: want cli.ErrHelp")
	}
}
