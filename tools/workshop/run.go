package workshop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Result is what one step did.
type Result struct {
	// Output is what the step printed: stdout and stderr in one stream, in
	// the order they were written.
	Output string
	// Exit is the step's exit status.
	Exit int
	// Group is the process group the step ran in (0 when it did not
	// start): what the step left in the background is in it, for
	// [StopGroups].
	Group int
}

// RunStep runs one step with bash -e -o pipefail in dir, with REPO=repo and
// NO_COLOR=1 in its environment and COLUMNS unset (the labs' reports then
// print whole lines, as to a pipe), in a process group of its own. Output
// goes to a file, not a pipe, so that a process the step leaves in the
// background cannot hold the step open. When echo is not nil it receives
// the output as the step writes it.
//
// A step that exits non-zero is a Result, not an error; the error is for a
// step that could not start or outlived s.Timeout or ctx (its group is then
// killed, and the Result holds what it printed).
func RunStep(ctx context.Context, repo, dir string, s Step, echo io.Writer) (Result, error) {
	f, err := os.CreateTemp("", "workshop-step-*.out")
	if err != nil {
		return Result{}, fmt.Errorf("a file for the step's output: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", s.Script)
	cmd.Dir = dir
	cmd.Env = append(withoutVar(os.Environ(), "COLUMNS"), "REPO="+repo, "NO_COLOR=1")
	cmd.Stdout, cmd.Stderr = f, f
	newGroup(cmd)
	cmd.Cancel = func() error {
		if err := killGroup(cmd.Process.Pid); !errors.Is(err, errors.ErrUnsupported) {
			return err
		}
		return cmd.Process.Kill()
	}
	stopEcho := follow(f.Name(), echo)
	runErr := cmd.Run()
	stopEcho()
	var res Result
	if cmd.Process != nil {
		res.Group = cmd.Process.Pid
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return res, fmt.Errorf("reading the step's output: %w", err)
	}
	res.Output = string(b)
	if ctx.Err() != nil {
		return res, fmt.Errorf("still running after %s (timeout=%s on the fence raises it): %w", s.Timeout, s.Timeout, ctx.Err())
	}
	var exitErr *exec.ExitError
	switch {
	case runErr == nil:
		return res, nil
	case errors.As(runErr, &exitErr):
		res.Exit = exitErr.ExitCode()
		return res, nil
	default:
		return res, fmt.Errorf("bash: %w", runErr)
	}
}

// follow copies what is appended to the file name to w, until the returned
// function is called (which copies the rest and returns). With a nil w it
// does nothing.
func follow(name string, w io.Writer) (stop func()) {
	if w == nil {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		r, err := os.Open(name)
		if err != nil {
			return
		}
		defer r.Close()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			_, _ = io.Copy(w, r)
			select {
			case <-done:
				_, _ = io.Copy(w, r)
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}
