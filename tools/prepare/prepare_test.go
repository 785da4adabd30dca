package prepare

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
)

func TestNestedModules(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"go.mod", "tools/controlplane/go.mod", "tools/kwok/go.mod", "tools/pgtemp/doc.go", "tools/x/testdata/go.mod"} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := nestedModules(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(root, "tools", "controlplane"), filepath.Join(root, "tools", "kwok")}
	if !slices.Equal(got, want) {
		t.Errorf("nestedModules = %v, want %v (the root's own go.mod and testdata left out)", got, want)
	}
}

func TestRunUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), cli.Streams{Out: &out, Err: &errOut}, []string{"--bogus"})
	if ExitCode(err) != cli.ExitUsage {
		t.Errorf("--bogus: %v (exit %d), want exit %d", err, ExitCode(err), cli.ExitUsage)
	}
	err = Run(context.Background(), cli.Streams{Out: &out, Err: &errOut}, []string{"extra"})
	if ExitCode(err) != cli.ExitUsage {
		t.Errorf("extra argument: %v (exit %d), want exit %d", err, ExitCode(err), cli.ExitUsage)
	}
}
