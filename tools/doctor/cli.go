package doctor

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/bloglabs/posts/internal/cli"
)

const usage = `usage: doctor [--json FILE] [--only CHECK,...] [--scope workshop|all]

Checks that this machine can run the labs, one line per check:
  ✓ passed   ✗ a required check failed   – an optional one is not available
and for each one that did not pass, the command that fixes it here.
Exit status 0 when every required check passed, 1 otherwise.

checks: go, cc (for -race), postgres, psql (exercises 05, 06), disk,
        modules (offline readiness for the scope), docker, kind, images
        (optional: --runtime docker/kind)
scopes: workshop (default: what the exercises and lab targets build from),
        all (also the tests, lint and the local control plane); $PREPARE_SCOPE`

// Run is the doctor command.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("doctor", usage)
	jsonPath := fs.String("json", "", "also write the report as JSON to `FILE` (- for stdout), e.g. to collect a room's results")
	only := fs.String("only", "", "run only these `checks` (comma-separated)")
	scopeFlag := fs.String("scope", "", "what the module check asks for: workshop or all (default $PREPARE_SCOPE, else workshop)")
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	scope, err := ScopeFromEnv()
	if *scopeFlag != "" {
		scope, err = ParseScope(*scopeFlag)
	}
	if err != nil {
		return cli.Usagef("--scope: %v", err)
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	var checks []Check
	if *only != "" {
		for _, s := range strings.Split(*only, ",") {
			c, err := ParseCheck(strings.TrimSpace(s))
			if err != nil {
				return cli.Usagef("--only: %v", err)
			}
			checks = append(checks, c)
		}
	}
	r := Examine(ctx, Options{Checks: checks, Scope: scope})
	if *jsonPath != "-" {
		if err := r.Write(streams.Out); err != nil {
			return err
		}
	}
	if *jsonPath != "" {
		if err := writeJSON(*jsonPath, streams, r); err != nil {
			return err
		}
	}
	if !r.Ready {
		return &NotReadyError{Failed: r.Failed()}
	}
	return nil
}

func writeJSON(path string, streams cli.Streams, r Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	b = append(b, '\n')
	if path == "-" {
		_, err = streams.Out.Write(b)
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("doctor: write the report: %w", err)
	}
	return nil
}

// ExitCode maps Run's error to the exit status: 0 ready, 1 not ready (or
// any other failure), 64 a usage error.
func ExitCode(err error) int { return cli.ExitCode(err, 1) }
