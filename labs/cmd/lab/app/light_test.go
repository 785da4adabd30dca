package app_test

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/internal/testbuild"
	"github.com/bloglabs/posts/labs/cmd/lab/app"
	"github.com/bloglabs/posts/labs/labkit/full"
)

// The light command knows the full build's verbs by name (to hand them
// over rather than call them typos): the two lists agree.
func TestFullVerbsAgree(t *testing.T) {
	t.Parallel()
	var got []string
	for v := range full.Verbs() {
		got = append(got, v)
	}
	sort.Strings(got)
	want := slices.Sorted(slices.Values(app.FullVerbs()))
	if !slices.Equal(got, want) {
		t.Errorf("full.Verbs() %q, app.FullVerbs() %q: want the same", got, want)
	}
}

// A name neither table has is a usage error from the light command itself:
// a typo does not build the full command.
func TestLightTypoIsUsage(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"race", "--runtime", "dokcer"}, {"race", "--postgres", "sqlite"}, {"clsuter"}} {
		var stdout, stderr bytes.Buffer
		err := app.Run(context.Background(), cli.Streams{Out: &stdout, Err: &stderr}, args)
		if app.ExitCode(err) != cli.ExitUsage || stderr.Len() != 0 {
			t.Errorf("%q: %v (exit %d), stderr %q; want a usage error and nothing built", args, err, app.ExitCode(err), stderr.String())
		}
	}
}

// heavy are the import paths the light command must not link: what makes
// a first lab:race download 100 MB and compile 1,000 packages.
var heavy = []string{"k8s.io/", "sigs.k8s.io/", "github.com/docker/", "github.com/moby/",
	"github.com/testcontainers/", "github.com/google/go-containerregistry",
	"github.com/bloglabs/posts/labs/runtimes/docker", "github.com/bloglabs/posts/labs/runtimes/kind",
	"github.com/bloglabs/posts/labs/runtimes/kubernetes", "github.com/bloglabs/posts/labs/postgres/container",
	"github.com/bloglabs/posts/labs/appimage/", "github.com/bloglabs/posts/labs/labkit/full/",
	// The live view's browser tests drive Chromium; the view itself is stdlib.
	"github.com/chromedp/"}

// The labs' side of the light build: from labs/cmd/lab, through every
// package of the labs, nothing heavy is imported. (What tools/doctor
// imports is doctor's own to keep light; this walk stops at tools/.)
func TestLightBuildLinksNothingHeavy(t *testing.T) {
	t.Parallel()
	imports := testbuild.Imports(t, repo.Module+"/labs/cmd/lab")
	seen := map[string]string{} // package → who imported it
	var walk func(from, p string)
	walk = func(from, p string) {
		if _, ok := seen[p]; ok {
			return
		}
		seen[p] = from
		if strings.HasPrefix(p, repo.Module+"/tools/") {
			return
		}
		for _, q := range imports[p] {
			walk(p, q)
		}
	}
	walk("", repo.Module+"/labs/cmd/lab")
	for p, from := range seen {
		for _, h := range heavy {
			if strings.HasPrefix(p+"/", h) { // "…/full/" is not "…/fullbuild"
				t.Errorf("the light lab command links %s (imported by %s)", p, from)
			}
		}
	}
}

// The light command hands what only the full build has to it, with the
// same arguments, and its exit status is the full build's: `lab image
// --help` prints the full build's usage and exits 0, `lab cluster
// sideways` is its usage error, 64.
func TestLightHandsOverToFullBuild(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: builds the lab command, light and full")
	}
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	lab := filepath.Join(t.TempDir(), "lab")
	build := exec.Command("go", "build", "-o", lab, filepath.Join(root, "labs", "cmd", "lab"))
	build.Env = testbuild.Env()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	outside := t.TempDir()
	for _, tc := range []struct {
		args       []string
		dir        string
		code       int
		wantStdout string
		wantStderr string
	}{
		{[]string{"image", "--help"}, root, 0, "usage: lab image", "building the lab command with Docker"},
		{[]string{"cluster", "sideways"}, root, cli.ExitUsage, "", `lab: cluster "sideways": want up or down`},
		// A binary run outside a clone says how to get the full build.
		{[]string{"fix", "--runtime", "docker"}, outside, app.ExitCannotRun, "", "go run -tags labsfull ./labs/cmd/lab fix --runtime docker"},
	} {
		cmd := exec.Command(lab, tc.args...)
		cmd.Dir = tc.dir
		cmd.Env = testbuild.Env("REPO=") // the full build it runs reuses the test run's packages
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code || !strings.Contains(stdout.String(), tc.wantStdout) || !strings.Contains(stderr.String(), tc.wantStderr) {
			t.Errorf("lab %q: exit %d, stdout %q, stderr %q; want exit %d, %q on stdout, %q on stderr",
				tc.args, code, stdout.String(), stderr.String(), tc.code, tc.wantStdout, tc.wantStderr)
		}
		if strings.Count(stderr.String(), "lab: ") > 1 {
			t.Errorf("lab %q: the error reported twice:\n%s", tc.args, stderr.String())
		}
	}
}
