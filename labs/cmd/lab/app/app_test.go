package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/cmd/lab/app"
	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/tools/doctor"
)

func TestUsageErrorsExit64(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		nil,
		{"nosuchlab"},
		{"race", "--replicas", "0"},
		{"race", "--runtime", "vm"},
		{"race", "--postgres", "sqlite"},
		{"fix", "--postgres", "dsn", "--dsn", ""},
		{"race", "--width", "-1"},
		{"race", "--max-restarts", "-2"},
		{"cluster"},
		{"cluster", "sideways"},
		{"cluster", "up", "--shape", "round"},
		{"cluster", "down", "stray"},
		{"compare", "--color", "purple"},
		{"race", "stray"},
		{"race", "--no-such-flag"},
	} {
		var stdout, stderr bytes.Buffer
		err := fullCommand().Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr}, args)
		if got := app.ExitCode(err); got != cli.ExitUsage {
			t.Errorf("Run(%q) = %v (exit %d), want a usage error (exit 64)", args, err, got)
		}
		if stdout.Len() != 0 || stderr.Len() != 0 {
			t.Errorf("Run(%q) wrote stdout %q, stderr %q; want nothing before the one line main prints", args, stdout.String(), stderr.String())
		}
		var line bytes.Buffer
		cli.Report(&line, "lab", err)
		if l := line.String(); !strings.HasPrefix(l, "lab: ") || !strings.HasSuffix(l, " (see lab --help)\n") || strings.Count(l, "\n") != 1 {
			t.Errorf("Run(%q) reports %q, want one line: lab: MSG (see lab --help)", args, l)
		}
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]int{
		nil:                                     0,
		cli.ErrHelp:                             0,
		fmt.Errorf("x: %w", engine.ErrNotShown): app.ExitNotShown,
		cli.Usagef("bad"):                       cli.ExitUsage,
		errors.New("no postgres"):               app.ExitCannotRun,
	} {
		if got := app.ExitCode(err); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

// --help, in every place a user may put it, prints the usage on stdout and
// exits 0.
func TestHelpGoesToStdout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"help"}, "usage: lab race|fix|compare"},
		{[]string{"--help"}, "usage: lab race|fix|compare"},
		{[]string{"race", "--help"}, "-max-restarts"},
		{[]string{"compare", "-h"}, "-width"},
		{[]string{"cluster", "--help"}, "usage: lab cluster up|down"},
		{[]string{"cluster", "up", "-h"}, "-shape"},
	} {
		var stdout, stderr bytes.Buffer
		err := fullCommand().Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr}, tc.args)
		if !errors.Is(err, cli.ErrHelp) || app.ExitCode(err) != 0 {
			t.Errorf("%q: %v (exit %d), want cli.ErrHelp, exit 0", tc.args, err, app.ExitCode(err))
		}
		if !strings.Contains(stdout.String(), tc.want) || stderr.Len() != 0 {
			t.Errorf("%q: stdout %q, stderr %q; want the usage (%q) on stdout only", tc.args, stdout.String(), stderr.String(), tc.want)
		}
	}
}

// The path the magefile takes: a whole lab, from building the binaries and
// starting Postgres to the report and the JSON.
// A lab checks the machine before it builds or starts anything: with no
// PostgreSQL binaries to be found, lab race exits 3 at once with doctor's
// ✗ line and the command that installs them, and builds nothing.
func TestPostgresMissingSaysHowToInstall(t *testing.T) {
	t.Setenv("LABS_PG_BINDIR", t.TempDir())
	var stdout, stderr bytes.Buffer
	err := app.Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr}, []string{"race", "--bin-dir", t.TempDir()})
	if code := app.ExitCode(err); code != app.ExitCannotRun || !errors.Is(err, doctor.ErrNotReady) {
		t.Fatalf("race = %v (exit %d); want not ready, exit %d", err, code, app.ExitCannotRun)
	}
	for _, want := range []string{"✗ PostgreSQL", "LABS_PG_BINDIR", "fix: "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if stderr.Len() != 0 || stdout.Len() != 0 {
		t.Errorf("something ran before the check: stderr %q, stdout %q", stderr.String(), stdout.String())
	}
	t.Logf("%v", err)
}

func TestRaceEndToEnd(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds binaries, starts Postgres and deploys replicas; skipped under -short")
	}
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "out", "race.json")
	var stdout, stderr bytes.Buffer
	err := app.Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr},
		[]string{"race", "--replicas", "3", "--json", jsonFile, "--bin-dir", filepath.Join(dir, "bin"), "--width", "80"})
	if code := app.ExitCode(err); code != 0 {
		t.Fatalf("race: %v (exit %d)\nstderr:\n%s\nstdout:\n%s", err, code, stderr.String(), stdout.String())
	}
	if !strings.Contains(stdout.String(), "\nverdict: race reproduced") {
		t.Errorf("no verdict in the report:\n%s", stdout.String())
	}
	for _, l := range strings.Split(stdout.String(), "\n") {
		if n := utf8.RuneCountInString(l); n > 80 {
			t.Errorf("a line of %d columns in a report for --width 80: %q", n, l)
		}
	}
	if strings.Contains(stdout.String(), "\x1b[") {
		t.Error("colour codes in a report to a non-terminal")
	}
	for _, want := range []string{"building demoapp", "starting embedded PostgreSQL"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, stderr.String())
		}
	}
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Lab        string   `json:"lab"`
		Replicas   int      `json:"replicas"`
		DBOK       bool     `json:"db_ok"`
		DBProblems []string `json:"db_problems"`
		RunsOfStep int      `json:"runs_of_step"`
		Verdict    string   `json:"verdict"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if res.Lab != "race" || res.Replicas != 3 || res.DBOK || len(res.DBProblems) == 0 || res.RunsOfStep < 2 {
		t.Errorf("JSON %+v; want lab race, 3 replicas, a damaged database, the step run more than once", res)
	}
}
