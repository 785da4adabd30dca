package controlplane

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The cache is keyed by the nested modules' go.mod and go.sum: a changed
// go.sum is a different folder, so stale binaries are never found.
func TestFindKeysTheCacheByTheBuildInputs(t *testing.T) {
	src := t.TempDir()
	for _, name := range buildInputs {
		if err := os.MkdirAll(filepath.Join(src, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(src, name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opts := BuildOptions{SourceDir: src, CacheDir: t.TempDir()}
	_, err := Find(opts)
	if !errors.Is(err, ErrNotBuilt) || !strings.Contains(err.Error(), "cluster:build") {
		t.Fatalf("Find in an empty cache: %v, want ErrNotBuilt saying how to build", err)
	}
	dir, err := opts.binDir()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if b, err := Find(opts); err != nil || b.Dir != dir {
		t.Fatalf("Find = %v, %v; want %s", b, err, dir)
	}
	if err := os.WriteFile(filepath.Join(src, "build/kwok/go.sum"), []byte("changed"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Find(opts); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Find after go.sum changed: %v, want ErrNotBuilt", err)
	}
}

// Without -X the binaries report v0.0.0-master.
func TestLdflagsStampTheVersion(t *testing.T) {
	for _, want := range []string{"-s -w", "k8s.io/component-base/version.gitVersion=v1.37.2", "k8s.io/component-base/version.gitMinor=37", "k8s.io/client-go/pkg/version.gitMajor=1"} {
		if !strings.Contains(ldflags(), want) {
			t.Errorf("ldflags %q lack %q", ldflags(), want)
		}
	}
}

// go build names a binary after its package; Build renames them, so it
// must know the name go picks, major version suffixes included.
func TestExecNameIsGoBuildsName(t *testing.T) {
	for pkg, want := range map[string]string{
		"go.etcd.io/etcd/server/v3":            "server",
		"k8s.io/kubernetes/cmd/kube-apiserver": "kube-apiserver",
		"sigs.k8s.io/kwok/cmd/kwok":            "kwok",
		"example.com/tools/v2x":                "v2x",
		"example.com/v":                        "v",
	} {
		if got := execName(pkg); got != want {
			t.Errorf("execName(%q) = %q, want %q", pkg, got, want)
		}
	}
}
