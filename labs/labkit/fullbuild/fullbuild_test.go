package fullbuild_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/labkit/fullbuild"
	"github.com/bloglabs/posts/tools/doctor"
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

// prepare and the doctor (tools, which cannot import the labs) name the
// tag and the commands that have a full build: the same as here, so that
// prepare --scope all warms the builds the light commands hand over to.
func TestDoctorKnowsTheFullBuilds(t *testing.T) {
	t.Parallel()
	if fullbuild.Tag != doctor.FullTag {
		t.Errorf("fullbuild.Tag %q, doctor.FullTag %q: want the same", fullbuild.Tag, doctor.FullTag)
	}
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !strings.HasSuffix(p, ".go") {
			if d != nil && d.IsDir() && p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "out" || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(src, []byte("//go:build "+fullbuild.Tag+"\n")) {
			return err
		}
		// The command is the folder above its app package.
		rel, err := filepath.Rel(root, filepath.Dir(filepath.Dir(p)))
		got = append(got, "./"+filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(doctor.FullCommands))
	if !slices.Equal(slices.Compact(got), want) {
		t.Errorf("the commands with files under //go:build %s are %q; doctor.FullCommands %q", fullbuild.Tag, got, want)
	}
}
