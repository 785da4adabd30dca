package app_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/cmd/lab/app"
)

// --live on a port in use stops before the lab starts, says so, and says
// how to pick a free port.
func TestLivePortInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	err = app.Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr}, []string{"race", "--live", ln.Addr().String()})
	if app.ExitCode(err) != app.ExitCannotRun || !strings.Contains(err.Error(), "cannot listen on "+ln.Addr().String()) ||
		!strings.Contains(err.Error(), "127.0.0.1:0") {
		t.Errorf("race --live on a port in use: %v (exit %d); want exit 3 naming the address and how to pick a free port", err, app.ExitCode(err))
	}
	if strings.Contains(stderr.String(), "deploying") {
		t.Errorf("the lab ran anyway: %s", stderr.String())
	}
}

// lab view refuses a file that is not a lab's JSON, naming it and saying
// how to record one.
func TestViewRefusesWhatIsNotALabsJSON(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "pods.json")
	if err := os.WriteFile(file, []byte(`{"kind":"PodList","items":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"view", file}, {"view", filepath.Join(t.TempDir(), "missing.json")}} {
		err := app.Run(context.Background(), cli.Streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, args)
		if app.ExitCode(err) != app.ExitCannotRun || !strings.Contains(err.Error(), args[1]) || !strings.Contains(err.Error(), "--json FILE") {
			t.Errorf("lab %q: %v (exit %d); want exit 3 naming the file and how to record a run", args, err, app.ExitCode(err))
		}
	}
	if err := app.Run(context.Background(), cli.Streams{Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}, []string{"view"}); app.ExitCode(err) != cli.ExitUsage {
		t.Errorf("lab view with no file: %v, want a usage error", err)
	}
}
