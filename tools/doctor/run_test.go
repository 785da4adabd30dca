package doctor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/internal/cli"
)

func runDoctor(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err := Run(ctx, cli.Streams{Out: &out, Err: &errOut}, args)
	return out.String(), err
}

// machineChecks are the checks about this machine itself: the tools it has
// installed. The module check is about the state of a cache (what ran
// before), which a test must not assume; TestModulesEmptyCache covers it.
func machineChecks() []Check {
	var out []Check
	for _, c := range Checks() {
		if c != CheckModules {
			out = append(out, c)
		}
	}
	return out
}

// TestRunReadyHere runs every check on this machine except the module
// cache's, and wants it ready: the tests run here, so it has Go,
// PostgreSQL with psql, and disk (a C toolchain where -race runs).
func TestRunReadyHere(t *testing.T) {
	jsonPath := filepath.Join(t.TempDir(), "doctor.json")
	var only []string
	for _, c := range machineChecks() {
		only = append(only, string(c))
	}
	out, err := runDoctor(t, "--json", jsonPath, "--only", strings.Join(only, ","))
	t.Logf("doctor's output:\n%s", out)
	if err != nil {
		t.Fatalf("Run: %v; want ready", err)
	}
	for _, c := range machineChecks() {
		if c.Required() && !strings.Contains(out, "✓ "+c.Title()) {
			t.Errorf("no ✓ line for required check %s", c.Title())
		}
	}
	if !strings.Contains(out, "\nready: every required check passed") {
		t.Errorf("no ready verdict in the output")
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("the JSON report does not parse: %v", err)
	}
	if !r.Ready || len(r.Results) != len(machineChecks()) {
		t.Errorf("JSON report: ready=%v with %d results; want ready with %d", r.Ready, len(r.Results), len(machineChecks()))
	}
}

// TestModulesEmptyCache runs the module check against an empty module
// cache, the state of a laptop that never built the labs: not ready, the
// missing modules named, and prepare as the fix. The result must not
// depend on what this machine's own cache holds.
func TestModulesEmptyCache(t *testing.T) {
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOFLAGS", "-modcacherw")
	out, err := runDoctor(t, "--only", "modules")
	t.Logf("doctor's output:\n%s", out)
	if !errors.Is(err, ErrNotReady) {
		t.Fatalf("Run with an empty module cache: %v; want not ready", err)
	}
	for _, want := range []string{"✗ module cache", "modules missing from the cache, so the workshop scope needs the network", "fix: while online: go tool mage prepare"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestRunPostgresHidden hides PostgreSQL (LABS_PG_BINDIR at an empty
// folder, which pgtemp then searches alone, and a PATH with only go) and
// expects not ready, exit status 1, and the install command for this system.
func TestRunPostgresHidden(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("LABS_PG_BINDIR", t.TempDir())
	t.Setenv("PATH", filepath.Dir(goBin))
	out, err := runDoctor(t, "--only", "go,postgres")
	t.Logf("doctor's output:\n%s", out)
	if !errors.Is(err, ErrNotReady) || ExitCode(err) != 1 {
		t.Fatalf("Run: %v (exit %d); want not ready, exit 1", err, ExitCode(err))
	}
	if !strings.Contains(out, "✗ PostgreSQL") {
		t.Errorf("no ✗ PostgreSQL line")
	}
	fix := fixFor(CheckPostgres, DetectPlatform(), "")
	if !strings.Contains(out, "fix: "+fix) {
		t.Errorf("output lacks the fix for this system %q", fix)
	}
	if !strings.Contains(out, "NOT READY: fix PostgreSQL") {
		t.Errorf("no NOT READY verdict naming PostgreSQL")
	}
	// The API a lab calls says the same.
	err = Preflight(context.Background(), CheckPostgres)
	var nr *NotReadyError
	if !errors.As(err, &nr) || len(nr.Failed) != 1 || !strings.Contains(err.Error(), fix) {
		t.Errorf("Preflight = %v; want a NotReadyError with the fix %q", err, fix)
	}
}

func TestRunUsage(t *testing.T) {
	_, err := runDoctor(t, "--only", "coffee")
	if ExitCode(err) != cli.ExitUsage || !strings.Contains(err.Error(), `no check "coffee"`) {
		t.Errorf("--only coffee: %v (exit %d); want a usage error naming it", err, ExitCode(err))
	}
	out, err := runDoctor(t, "--help")
	if ExitCode(err) != 0 || !strings.Contains(out, "usage: doctor") {
		t.Errorf("--help: %v, %q; want the usage on stdout, exit 0", err, out)
	}
}
