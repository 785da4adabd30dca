package lint

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// Options configure [Run].
type Options struct {
	// Dir is the module's folder. Defaults to the working directory.
	Dir string
	// Race vets and checks with -race (where the race detector builds).
	Race bool
	// Out receives each command as it runs and what it prints. Defaults
	// to os.Stdout.
	Out io.Writer
}

// Run checks gofmt, then runs go vet and staticcheck over every package.
// Its error names what failed: the files gofmt would change, or the
// command that found something (whose findings went to Out).
func Run(ctx context.Context, o Options) error {
	if o.Out == nil {
		o.Out = os.Stdout
	}
	unformatted, err := output(ctx, o.Dir, "gofmt", "-l", ".")
	if err != nil {
		return err
	}
	if unformatted != "" {
		return fmt.Errorf("not gofmt'd (run gofmt -w on them):\n%s", unformatted)
	}
	var env []string
	if o.Race {
		env = append(env, "GOFLAGS="+strings.TrimSpace(os.Getenv("GOFLAGS")+" -race"))
	}
	if err := run(ctx, o, env, "go", "vet", "./..."); err != nil {
		return err
	}
	staticcheck, err := output(ctx, o.Dir, "go", "tool", "-n", "staticcheck")
	if err != nil {
		return err
	}
	return run(ctx, o, env, staticcheck, "./...")
}

func output(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func run(ctx context.Context, o Options, env []string, name string, args ...string) error {
	fmt.Fprintf(o.Out, "exec: %s %s\n", name, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = o.Dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = o.Out, o.Out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return nil
}
