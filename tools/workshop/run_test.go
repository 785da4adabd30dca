package workshop

import (
	"bytes"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

func needBash(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("steps are bash scripts: run them under WSL2")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not on PATH")
	}
}

// A step's output keeps stdout and stderr in order, reaches echo, and its
// exit status is a result; bash -e stops at the first failing command.
func TestRunStep(t *testing.T) {
	t.Parallel()
	needBash(t)
	var echo bytes.Buffer
	s := Step{Script: "echo out\necho err >&2\necho \"repo=$REPO color=$NO_COLOR\"\nfalse\necho never\n", Timeout: time.Minute}
	res, err := RunStep(t.Context(), "/the/repo", t.TempDir(), s, &echo)
	if err != nil {
		t.Fatal(err)
	}
	want := "out\nerr\nrepo=/the/repo color=1\n"
	if res.Output != want || res.Exit != 1 || res.Group == 0 {
		t.Errorf("RunStep = %+v, want output %q, exit 1 and a group", res, want)
	}
	if echo.String() != want {
		t.Errorf("echo got %q, want %q", echo.String(), want)
	}
}

// A step that outlives its timeout is an error, and what it printed is kept.
func TestRunStepTimeout(t *testing.T) {
	t.Parallel()
	needBash(t)
	s := Step{Script: "echo started\nsleep 30\n", Timeout: 500 * time.Millisecond}
	t0 := time.Now()
	res, err := RunStep(t.Context(), "", t.TempDir(), s, nil)
	if err == nil || !strings.Contains(err.Error(), "still running after 500ms") {
		t.Errorf("RunStep: err %v, want one that says it was still running", err)
	}
	if res.Output != "started\n" {
		t.Errorf("output %q, want %q", res.Output, "started\n")
	}
	if d := time.Since(t0); d > 20*time.Second {
		t.Errorf("RunStep returned after %s: the group was not killed at the timeout", d)
	}
}
