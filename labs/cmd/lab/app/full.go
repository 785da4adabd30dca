package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/internal/binaries"
)

// FullTag is the build tag of the lab command's full build: with it,
// labs/cmd/lab runs on labs/labkit/full's table (docker, kind, kubernetes,
// testcontainers) and has the verbs that need Docker or a cluster.
const FullTag = "labsfull"

// ExitStatusError is [RunFull]'s error when the full build ran and exited
// non-zero: it has printed its own message, and its status is the command's.
type ExitStatusError struct{ Code int }

func (e *ExitStatusError) Error() string {
	return fmt.Sprintf("the lab command's full build exited with status %d", e.Code)
}

// RunFull runs args in the lab command's full build: it builds it from the
// repository around the working directory into the user cache folder (go
// build -tags labsfull; the first time, minutes: it compiles Docker's,
// kind's and Kubernetes' client libraries), then runs it with the same
// streams. Outside the repository it says how to get it.
func RunFull(ctx context.Context, streams cli.Streams, args []string) error {
	root, err := repo.Root()
	if err != nil {
		return fmt.Errorf("%q needs the lab command's full build (Docker, kind, Kubernetes, testcontainers), "+
			"which this one left out to stay small; in a clone of %s run: go run -tags %s ./labs/cmd/lab %s "+
			"(or install it: go install -tags %s %s/labs/cmd/lab@latest): %w",
			strings.Join(args, " "), repo.Module, FullTag, strings.Join(args, " "), FullTag, repo.Module, err)
	}
	dir, err := binaries.DefaultDir()
	if err != nil {
		return err
	}
	dir = filepath.Join(dir, "lab-"+FullTag)
	t0 := time.Now()
	fmt.Fprintf(streams.Err, "building the lab command with Docker, kind and Kubernetes (go build -tags %s; the first time takes minutes)... ", FullTag)
	if err := binaries.BuildFor(ctx, root, dir, binaries.Target{Tags: []string{FullTag}}, binaries.Lab); err != nil {
		fmt.Fprintln(streams.Err)
		return err
	}
	fmt.Fprintf(streams.Err, "%.1fs\n", time.Since(t0).Seconds())
	return runChild(ctx, streams, filepath.Join(dir, binaries.Lab.Name), args)
}

// runChild runs the program with the same streams; it ends it with an
// interrupt (not a kill) when ctx is done, so that it cleans up.
func runChild(ctx context.Context, streams cli.Streams, prog string, args []string) error {
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = streams.In, streams.Out, streams.Err
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = time.Minute
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() > 0 {
		return &ExitStatusError{Code: ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("the lab command's full build: %w", err)
	}
	return nil
}
