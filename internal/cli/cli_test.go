package cli_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		args             []string
		wantCode         int
		wantOut, wantErr string
	}{
		{args: []string{"-n", "3"}, wantCode: 0},
		{args: []string{"--help"}, wantCode: 0, wantOut: "usage: demo [flags]"},
		{args: []string{"-h"}, wantCode: 0, wantOut: "-n int"},
		{args: []string{"--nope"}, wantCode: 64, wantErr: "demo: flag provided but not defined: -nope (see demo --help)"},
		{args: []string{"-n", "x"}, wantCode: 64, wantErr: `demo: invalid value "x" for flag -n`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			streams := cli.Streams{Out: &out, Err: &errb}
			fs := cli.NewFlagSet("demo", "usage: demo [flags]")
			fs.Int("n", 1, "how many")
			err := cli.Parse(fs, tc.args, streams)
			cli.Report(&errb, "demo", err)
			if got := cli.ExitCode(err, 1); got != tc.wantCode {
				t.Errorf("exit code = %d, want %d (err %v)", got, tc.wantCode, err)
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", out.String(), tc.wantOut)
			}
			if tc.wantOut == "" && out.Len() > 0 {
				t.Errorf("stdout = %q, want nothing", out.String())
			}
			if !strings.Contains(errb.String(), tc.wantErr) || (tc.wantErr == "" && errb.Len() > 0) {
				t.Errorf("stderr = %q, want %q", errb.String(), tc.wantErr)
			}
		})
	}
}

func TestExitCodeWrapped(t *testing.T) {
	err := fmt.Errorf("parsing: %w", cli.Usagef("--replicas must be at least 1, got %d", 0))
	if got := cli.ExitCode(err, 1); got != cli.ExitUsage {
		t.Errorf("ExitCode(wrapped usage error) = %d, want %d", got, cli.ExitUsage)
	}
	if got := cli.ExitCode(errors.New("boom"), 70); got != 70 {
		t.Errorf("ExitCode(other) = %d, want the fallback 70", got)
	}
}
