package workshop

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/bloglabs/posts/tools/workshop"
)

// The check docs/troubleshooting.md gives for an exercise's first step: with
// REPO unset or naming no clone it fails and says what to do (instead of
// the go command's "go.mod file not found") without closing a terminal it
// is pasted into; with REPO at the clone it passes.
func TestRepoCheckStep(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the exercises are bash steps: run them under WSL2")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not on PATH")
	}
	src, err := os.ReadFile("../troubleshooting.md")
	if err != nil {
		t.Fatal(err)
	}
	steps, err := workshop.ParseSteps(string(src))
	if err != nil {
		t.Fatal(err)
	}
	var script string
	for _, s := range steps {
		if strings.Contains(s.Script, "REPO is not set") {
			script = s.Script
			// Pasted into a terminal, it must leave the shell open.
			if p := workshop.PasteProblems(s); len(p) > 0 {
				t.Errorf("docs/troubleshooting.md line %d is not paste-safe: %v", s.Line, p)
			}
		}
	}
	if script == "" {
		t.Fatal("docs/troubleshooting.md has no ```sh step that checks REPO")
	}
	for _, tt := range []struct {
		name, repo string
		ok         bool
		want       string
	}{
		{"unset", "", false, "REPO is not set: cd into your clone of the repository, then export REPO=$PWD"},
		{"no clone", t.TempDir(), false, "is not a clone of github.com/bloglabs/posts: cd into your clone, then export REPO=$PWD"},
		{"the clone", repoRoot(t), true, "REPO is your clone: " + repoRoot(t)},
	} {
		cmd := exec.Command("bash", "--noprofile", "--norc", "-e", "-c", script)
		cmd.Dir = t.TempDir()
		// The last REPO in Env wins (os/exec keeps the last of duplicate keys).
		cmd.Env = append(os.Environ(), "REPO="+tt.repo)
		out, err := cmd.CombinedOutput()
		if (err == nil) != tt.ok || !strings.Contains(string(out), tt.want) {
			t.Errorf("%s: %v, output %q; want ok=%v and %q", tt.name, err, out, tt.ok, tt.want)
		}
	}
}
