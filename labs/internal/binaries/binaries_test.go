package binaries_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/internal/binaries"
)

func TestBuildDemoapp(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build; skipped under -short")
	}
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := binaries.Build(context.Background(), root, dir, binaries.Demoapp); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(dir, "demoapp"), "version").Output()
	if err != nil || string(out) != "4\n" {
		t.Errorf("demoapp version = %q, %v; want 4", out, err)
	}
	if err := binaries.Build(context.Background(), root, dir, binaries.Program{Name: "x", Dir: "no/such/dir"}); err == nil {
		t.Error("Build of a missing package succeeded")
	}
}
