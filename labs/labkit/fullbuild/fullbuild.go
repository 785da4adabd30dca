package fullbuild

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

// Tag is the build tag of the commands' full builds.
const Tag = "labsfull"

// Command is a main package of the module whose full build (-tags [Tag])
// links what its default build leaves out.
type Command struct {
	// Name is the command's binary name: lab, cisim.
	Name string
	// Dir is its folder relative to the module root: labs/cmd/lab.
	Dir string
	// Adds says what the full build links that the default one leaves
	// out, for the messages: "Docker, kind and Kubernetes".
	Adds string
}

// ExitStatusError is [Command.Run]'s error when the full build ran and
// exited non-zero: it has printed its own message, and its status is the
// command's.
type ExitStatusError struct {
	Name string
	Code int
}

func (e *ExitStatusError) Error() string {
	return fmt.Sprintf("the %s command's full build exited with status %d", e.Name, e.Code)
}

// Run runs args in c's full build: it builds it from the repository around
// the working directory (or $REPO) into the user cache folder (go build
// -tags labsfull; the first time, minutes), then runs it with the same
// streams. Outside the repository it says how to get it.
func (c Command) Run(ctx context.Context, streams cli.Streams, args []string) error {
	root, err := repo.Root()
	if err != nil {
		line := strings.Join(args, " ")
		return fmt.Errorf("%q needs the %s command's full build (%s), which this one left out to stay small; "+
			"in a clone of %s run: go run -tags %s ./%s %s (or install it: go install -tags %s %s/%s@latest): %w",
			line, c.Name, c.Adds, repo.Module, Tag, c.Dir, line, Tag, repo.Module, c.Dir, err)
	}
	dir, err := binaries.DefaultDir()
	if err != nil {
		return err
	}
	dir = filepath.Join(dir, c.Name+"-"+Tag)
	prog := binaries.Program{Name: c.Name, Dir: c.Dir}
	t0 := time.Now()
	fmt.Fprintf(streams.Err, "building the %s command with %s (go build -tags %s; the first time takes minutes)... ", c.Name, c.Adds, Tag)
	if err := binaries.BuildFor(ctx, root, dir, binaries.Target{Tags: []string{Tag}}, prog); err != nil {
		fmt.Fprintln(streams.Err)
		return err
	}
	fmt.Fprintf(streams.Err, "%.1fs\n", time.Since(t0).Seconds())
	return c.runChild(ctx, streams, filepath.Join(dir, c.Name), args)
}

// runChild runs the program with the same streams; it ends it with an
// interrupt (not a kill) when ctx is done, so that it cleans up.
func (c Command) runChild(ctx context.Context, streams cli.Streams, prog string, args []string) error {
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
		return &ExitStatusError{Name: c.Name, Code: ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("the %s command's full build: %w", c.Name, err)
	}
	return nil
}
