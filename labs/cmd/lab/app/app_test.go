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

	"github.com/bloglabs/posts/labs/cmd/lab/app"
	"github.com/bloglabs/posts/labs/engine"
)

func TestUsageErrorsExit2(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		nil,
		{"nosuchlab"},
		{"race", "--replicas", "0"},
		{"race", "--runtime", "vm"},
		{"race", "--postgres", "sqlite"},
		{"fix", "--postgres", "dsn", "--dsn", ""},
		{"cluster"},
		{"cluster", "sideways"},
		{"cluster", "up", "--shape", "round"},
		{"compare", "--color", "purple"},
		{"race", "stray"},
		{"race", "--no-such-flag"},
	} {
		var stdout, stderr bytes.Buffer
		err := app.Run(context.Background(), args, &stdout, &stderr)
		if got := app.ExitCode(err); got != 2 {
			t.Errorf("Run(%q) = %v (exit %d), want a usage error (exit 2)", args, err, got)
		}
		if stdout.Len() != 0 {
			t.Errorf("Run(%q) wrote to stdout: %q", args, stdout.String())
		}
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	for err, want := range map[error]int{
		nil:                                     0,
		fmt.Errorf("x: %w", engine.ErrNotShown): 1,
		fmt.Errorf("x: %w", app.ErrUsage):       2,
		errors.New("no postgres"):               3,
	} {
		if got := app.ExitCode(err); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestHelpIsNotAnError(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	if err := app.Run(context.Background(), []string{"help"}, &bytes.Buffer{}, &stderr); err != nil {
		t.Errorf("help: %v", err)
	}
	if !strings.Contains(stderr.String(), "usage: lab race|fix|compare") {
		t.Errorf("help printed %q", stderr.String())
	}
}

// The path the magefile takes: a whole lab, from building the binaries and
// starting Postgres to the report and the JSON.
func TestRaceEndToEnd(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds binaries, starts Postgres and deploys replicas; skipped under -short")
	}
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "out", "race.json")
	var stdout, stderr bytes.Buffer
	err := app.Run(context.Background(), []string{"race", "--replicas", "3", "--json", jsonFile, "--bin-dir", filepath.Join(dir, "bin")}, &stdout, &stderr)
	if code := app.ExitCode(err); code != 0 {
		t.Fatalf("race: %v (exit %d)\nstderr:\n%s\nstdout:\n%s", err, code, stderr.String(), stdout.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "verdict: race reproduced") {
		t.Errorf("last line %q, want the verdict", last)
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
