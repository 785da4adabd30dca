package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bloglabs/posts/ci-preemptible/cmd/cisim/app"
	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/internal/testbuild"
)

// The default build runs the simulator itself and hands the live labs to
// the full build with the same arguments; a bad command line is refused
// before anything is built.
func TestLightHandsLiveLabsOver(t *testing.T) {
	t.Parallel()
	var handed [][]string
	cmd := app.Command{Full: func(_ context.Context, _ cli.Streams, args []string) error {
		handed = append(handed, args)
		return nil
	}}
	for _, tc := range []struct {
		args   []string
		handed bool
		code   int
	}{
		{args: []string{"lab", "--runtime", "kwok", "--kubeconfig", "k.yaml"}, handed: true},
		{args: []string{"--runtime", "kind", "--keep"}, handed: true},
		{args: []string{"lab", "--runtime", "kind", "--svg", "x.svg"}, code: cli.ExitUsage},
		{args: []string{"lab", "--runtime", "kwk"}, code: cli.ExitUsage},
		{args: []string{"list"}},
		{args: []string{"--scenario", "post-tainted", "--horizon", "1h"}},
	} {
		handed = nil
		err := cmd.Run(context.Background(), cli.Streams{Out: io.Discard, Err: io.Discard}, tc.args)
		if code := app.ExitCode(err); code != tc.code {
			t.Errorf("%q: exit code %d (err %v), want %d", tc.args, code, err, tc.code)
		}
		switch {
		case tc.handed && (len(handed) != 1 || !slices.Equal(handed[0], tc.args)):
			t.Errorf("%q: handed %q to the full build, want the same arguments once", tc.args, handed)
		case !tc.handed && handed != nil:
			t.Errorf("%q: handed to the full build; want it run, or refused, here", tc.args)
		}
	}
}

// heavyForCisim says whether the default cisim build must not link p: what
// only the live labs need (kind, Docker, testcontainers, client-go beyond
// the scheme the simulator decodes manifests with, the control plane).
func heavyForCisim(p string) bool {
	if strings.HasPrefix(p, "k8s.io/client-go/") {
		return p != "k8s.io/client-go/kubernetes/scheme"
	}
	for _, h := range []string{"sigs.k8s.io/kind/", "sigs.k8s.io/kwok/", "github.com/docker/", "github.com/moby/",
		"github.com/testcontainers/", "go.opentelemetry.io/", repo.Module + "/ci-preemptible/kindlab/",
		repo.Module + "/ci-preemptible/kwoklab/", repo.Module + "/tools/controlplane/",
		// The live view (cisim --live) shares the labs' page, which knows the
		// labs' events: their types come along, their container runtimes not.
		repo.Module + "/labs/runtimes/docker/", repo.Module + "/labs/runtimes/kind/", repo.Module + "/labs/runtimes/kubernetes/"} {
		if strings.HasPrefix(p+"/", h) {
			return true
		}
	}
	return false
}

// What `go run ./ci-preemptible/cmd/cisim` builds, as exercises 07 and 08
// run it, links the simulator and nothing of the live labs.
func TestLightBuildLinksNothingHeavy(t *testing.T) {
	t.Parallel()
	importedBy := map[string]string{}
	for p, imports := range testbuild.Imports(t, repo.Module+"/ci-preemptible/cmd/cisim") {
		for _, q := range imports {
			importedBy[q] = p
		}
	}
	for p, from := range importedBy {
		if heavyForCisim(p) {
			t.Errorf("the default cisim build links %s (imported by %s)", p, from)
		}
	}
	for _, light := range []string{"k8s.io/client-go/kubernetes/scheme", "k8s.io/api/core/v1"} {
		if heavyForCisim(light) {
			t.Errorf("heavyForCisim(%q): the simulator needs it", light)
		}
	}
	for _, heavy := range []string{"k8s.io/client-go/rest", "sigs.k8s.io/kind/pkg/cluster", repo.Module + "/ci-preemptible/kwoklab"} {
		if !heavyForCisim(heavy) {
			t.Errorf("heavyForCisim(%q) = false: the live labs need it", heavy)
		}
	}
}

// The default build, asked for a live lab, builds the full one and runs it
// with the same arguments: its message and exit status are the command's,
// said once. Here kwok on a kubeconfig that does not exist, which fails
// before any cluster is touched. Outside a clone it says how to get the
// full build.
func TestLightRunsTheFullBuild(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: builds cisim, light and full (client-go, kind)")
	}
	root := repoRoot(t)
	missing := filepath.Join(t.TempDir(), "no-such-kubeconfig")
	stdout, stderr, code := runLight(t, root, "lab", "--runtime", "kwok", "--kubeconfig", missing)
	if code != 1 || stdout != "" {
		t.Errorf("exit %d, stdout %q; want 1 and nothing", code, stdout)
	}
	for _, want := range []string{"building the cisim command with the live labs", "cisim: kwok lab: kubeconfig " + missing} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	if strings.Count(stderr, "cisim: ") != 1 {
		t.Errorf("the error said %d times, want once:\n%s", strings.Count(stderr, "cisim: "), stderr)
	}
	_, stderr, code = runLight(t, t.TempDir(), "lab", "--runtime", "kwok")
	if want := "go run -tags labsfull ./ci-preemptible/cmd/cisim lab --runtime kwok"; code != 1 || !strings.Contains(stderr, want) {
		t.Errorf("outside the clone: exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// runLight builds cisim as `go run` does (no tags) and runs it in dir with
// args and $REPO unset.
func runLight(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cisim")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join(repoRoot(t), "ci-preemptible", "cmd", "cisim")
	build.Env = testbuild.Env()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = testbuild.Env(repo.EnvRepo + "=") // the full build it runs reuses the test run's packages
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}
