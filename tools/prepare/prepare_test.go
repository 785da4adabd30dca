package prepare

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/tools/doctor"
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
	err = Run(context.Background(), cli.Streams{Out: &out, Err: &errOut}, []string{"--scope", "most"})
	if ExitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), `no scope "most"`) {
		t.Errorf("--scope most: %v (exit %d), want exit %d naming it", err, ExitCode(err), cli.ExitUsage)
	}
	t.Setenv(doctor.EnvScope, "most")
	err = Run(context.Background(), cli.Streams{Out: &out, Err: &errOut}, nil)
	if ExitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), "PREPARE_SCOPE") {
		t.Errorf("PREPARE_SCOPE=most: %v (exit %d), want exit %d naming it", err, ExitCode(err), cli.ExitUsage)
	}
}

// TestWorkshopScopeFetchesWhatDoctorAsks fetches the workshop scope into an
// empty module cache and asks the doctor's module check about it, offline:
// what prepare fetches is what the doctor asks for. The modules come from
// this machine's cache where it has them (a file:// proxy), else from
// GOPROXY, so the result does not depend on the cache's state.
func TestWorkshopScopeFetchesWhatDoctorAsks(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: fetches the workshop's modules into an empty cache (tens of seconds)")
	}
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	t.Setenv("GOPROXY", localProxy(t)+","+goEnv(t, "GOPROXY"))
	t.Setenv("GOMODCACHE", cache)
	t.Setenv("GOFLAGS", "-modcacherw")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var log bytes.Buffer
	if err := fetchModules(ctx, &progress{w: &log}, root, doctor.ScopeWorkshop); err != nil {
		t.Fatalf("fetch: %v\n%s", err, log.String())
	}
	zips, n := zipStats(t, cache)
	t.Logf("the workshop scope fetched %d modules, %.1f MiB of zips", n, float64(zips)/(1<<20))
	for _, m := range fullOnlyModules {
		if zipped(t, cache, m) {
			t.Errorf("the workshop scope fetched %s, which only the full builds (Docker, kind, Kubernetes clients) need", m)
		}
	}
	r := doctor.Examine(ctx, doctor.Options{Checks: []doctor.Check{doctor.CheckModules}, Scope: doctor.ScopeWorkshop})
	if !r.Ready {
		var b strings.Builder
		_ = r.Write(&b)
		t.Errorf("after prepare's workshop fetch, the doctor says:\n%s", b.String())
	}
}

// fullOnlyModules are modules only the commands' full builds and the
// control plane link, and that the workshop scope must not fetch
// (troubleshooting.md's table says what it fetches instead).
var fullOnlyModules = []string{"sigs.k8s.io/kind", "github.com/testcontainers/testcontainers-go",
	"github.com/moby/moby/client", "go.opentelemetry.io/otel", "github.com/klauspost/compress"}

// zipped says whether the module cache holds a zip of a version of mod.
func zipped(t *testing.T, cache, mod string) bool {
	t.Helper()
	zips, err := filepath.Glob(filepath.Join(cache, "cache", "download", filepath.FromSlash(mod), "@v", "*.zip"))
	if err != nil {
		t.Fatal(err)
	}
	return len(zips) > 0
}

func goEnv(tb testing.TB, name string) string {
	tb.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

// localProxy is this machine's module cache as a GOPROXY.
func localProxy(tb testing.TB) string {
	return "file://" + filepath.ToSlash(filepath.Join(goEnv(tb, "GOMODCACHE"), "cache", "download"))
}

// zipStats is the size and number of the module zips in a module cache.
func zipStats(tb testing.TB, cache string) (size int64, n int) {
	tb.Helper()
	err := filepath.WalkDir(filepath.Join(cache, "cache", "download"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".zip") {
			if fi, err := d.Info(); err == nil {
				size += fi.Size()
				n++
			}
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return size, n
}
