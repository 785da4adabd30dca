package binaries_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/bloglabs/posts/labs/internal/binaries"
)

func TestModuleRootFromASubfolder(t *testing.T) {
	// The test runs in this package's folder, below the module root.
	root, err := binaries.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "labs", "internal", "binaries", "binaries.go")); err != nil {
		t.Errorf("ModuleRoot = %s, which does not hold this package: %v", root, err)
	}
}

func TestBuildDemoapp(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build; skipped under -short")
	}
	root, err := binaries.ModuleRoot()
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
