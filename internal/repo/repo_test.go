package repo

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRootFrom(t *testing.T) {
	base := t.TempDir()
	write := func(rel, body string) {
		t.Helper()
		p := filepath.Join(base, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("repo/go.mod", "module "+Module+"\n\ngo 1.26.0\n")
	write("repo/tools/controlplane/build/kubernetes/go.mod", "module bloglabs.local/build/kubernetes\n")
	write("other/go.mod", "module example.com/other\n")
	nested := filepath.Join(base, "repo/tools/controlplane/build/kubernetes")
	for _, tt := range []struct {
		from, want string
	}{
		{filepath.Join(base, "repo"), filepath.Join(base, "repo")},
		{nested, filepath.Join(base, "repo")}, // past the nested module's go.mod
	} {
		got, err := RootFrom(tt.from)
		if err != nil || got != tt.want {
			t.Errorf("RootFrom(%s) = %q, %v; want %q", tt.from, got, err, tt.want)
		}
	}
	if _, err := RootFrom(filepath.Join(base, "other")); !errors.Is(err, ErrNotInside) {
		t.Errorf("RootFrom(another module) = %v; want ErrNotInside", err)
	}
}

// The tests run inside the repository: Root finds it.
func TestRootHere(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "repo", "repo.go")); err != nil {
		t.Errorf("Root() = %s, which does not hold this package: %v", root, err)
	}
}

// Outside the clone, $REPO finds it; without it, the error says what to do
// (the go command would only say "go.mod file not found").
func TestRootOutsideTheClone(t *testing.T) {
	here, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	t.Setenv(EnvRepo, "")
	_, err = Root()
	if !errors.Is(err, ErrNotInside) || !strings.Contains(err.Error(), "set REPO") || !strings.Contains(err.Error(), "clone of "+Module) {
		t.Errorf("Root() outside the clone, REPO unset = %v; want ErrNotInside saying to cd into a clone or set REPO", err)
	}
	t.Setenv(EnvRepo, here)
	if got, err := Root(); err != nil || got != here {
		t.Errorf("Root() outside the clone, REPO=%s = %q, %v; want the clone", here, got, err)
	}
	t.Setenv(EnvRepo, os.TempDir())
	if _, err := Root(); !errors.Is(err, ErrNotInside) || !strings.Contains(err.Error(), "REPO="+os.TempDir()) {
		t.Errorf("Root() with REPO at no clone = %v; want ErrNotInside naming REPO", err)
	}
}
