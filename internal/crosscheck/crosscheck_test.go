package crosscheck_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/crosscheck"
)

// A module with a Linux-only field in its code and a call Windows lacks in
// its tests: Linux passes, macOS names the field, Windows names both, each
// at its file relative to the module.
func TestCheckFindsCallsOtherSystemsLack(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/step\n\ngo 1.26\n")
	write("step.go", `package step

import "syscall"

// Attr dies with its parent: on Linux only.
var Attr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
`)
	write("step_test.go", `package step

import (
	"syscall"
	"testing"
)

func TestKill(t *testing.T) { _ = syscall.Kill }
`)
	ctx := t.Context()
	if err := crosscheck.Check(ctx, dir, crosscheck.Target{GOOS: "linux", GOARCH: "amd64"}, "./..."); err != nil {
		t.Errorf("linux/amd64: %v", err)
	}
	for _, c := range []struct {
		target crosscheck.Target
		want   []string
	}{
		{crosscheck.Target{GOOS: "darwin", GOARCH: "arm64"}, []string{"step.go:6:", "Pdeathsig"}},
		{crosscheck.Target{GOOS: "windows", GOARCH: "amd64"}, []string{"step.go:6:", "step_test.go:8:", "Kill"}},
	} {
		err := crosscheck.Check(ctx, dir, c.target, "./...")
		if err == nil {
			t.Errorf("%s: no error, want one naming %q", c.target, c.want)
			continue
		}
		msg := err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error does not name %q:\n%s", c.target, w, msg)
			}
		}
		if strings.Contains(msg, dir) {
			t.Errorf("%s: error names the module's absolute path, want paths relative to it:\n%s", c.target, msg)
		}
	}
}

func TestCheckSaysWhenNothingMatches(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/empty\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := crosscheck.Check(t.Context(), dir, crosscheck.Target{GOOS: "darwin", GOARCH: "arm64"}, "./...")
	if err == nil {
		t.Fatal("no error for a module without packages")
	}
	t.Log(err)
}
