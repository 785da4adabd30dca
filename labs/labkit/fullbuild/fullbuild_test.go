package fullbuild_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/labkit/fullbuild"
)

// Outside a clone (and $REPO unset) there is nothing to build the full
// build from: the error says which command line to run in a clone, or how
// to install it, and builds nothing.
func TestRunOutsideTheClone(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv(repo.EnvRepo, "")
	var stderr strings.Builder
	c := fullbuild.Command{Name: "cisim", Dir: "ci-preemptible/cmd/cisim", Adds: "the live labs"}
	err := c.Run(context.Background(), cli.Streams{Out: io.Discard, Err: &stderr}, []string{"lab", "--runtime", "kwok"})
	if !errors.Is(err, repo.ErrNotInside) {
		t.Fatalf("err %v, want repo.ErrNotInside", err)
	}
	for _, want := range []string{
		`"lab --runtime kwok" needs the cisim command's full build (the live labs)`,
		"go run -tags labsfull ./ci-preemptible/cmd/cisim lab --runtime kwok",
		"go install -tags labsfull github.com/bloglabs/posts/ci-preemptible/cmd/cisim@latest",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q lacks %q", err, want)
		}
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr %q, want nothing: nothing was built", stderr.String())
	}
}

func TestExitStatusError(t *testing.T) {
	t.Parallel()
	err := error(&fullbuild.ExitStatusError{Name: "lab", Code: 3})
	if got, want := err.Error(), "the lab command's full build exited with status 3"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
