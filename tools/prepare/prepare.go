package prepare

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/tools/doctor"
	"github.com/bloglabs/posts/tools/pgimage"
)

// Commands are the main packages prepare builds, for --scope all, to warm
// the build cache; the workshop scope builds [doctor.WorkshopCommands].
var Commands = []string{"./labs/cmd/...", "./runonce/cmd/...", "./ci-preemptible/cmd/...", "./tools/cmd/..."}

const usage = `usage: prepare [--scope workshop|all] [--no-docker]

Fetches and builds what the labs need while the network is there (modules,
the commands, and where Docker runs the Postgres and lab images), then runs
the doctor. After it the labs run with GOPROXY=off and no network.

scopes: workshop (default) fetches and builds what the exercises and the
        lab targets use: the commands as go run builds them (process
        runtime, simulator); all also fetches and builds their full builds
        (Docker, kind, Kubernetes clients) and the images, the tests' and
        the linters' modules and the local Kubernetes control plane's
        sources. $PREPARE_SCOPE chooses when --scope is not given.`

// Run is the prepare command.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("prepare", usage)
	noDocker := fs.Bool("no-docker", false, "skip the images (scope all) even when a Docker engine answers")
	scopeFlag := fs.String("scope", "", "workshop or all (default $PREPARE_SCOPE, else workshop)")
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	scope, err := doctor.ScopeFromEnv()
	if *scopeFlag != "" {
		scope, err = doctor.ParseScope(*scopeFlag)
	}
	if err != nil {
		return cli.Usagef("--scope: %v", err)
	}
	root, err := repo.Root()
	if err != nil {
		return err
	}
	p := &progress{w: streams.Err}
	fmt.Fprintf(p.w, "prepare: scope %s; left out: %s\n", scope, scope.LeavesOut())
	if err := fetchModules(ctx, p, root, scope); err != nil {
		return err
	}
	if err := p.step("build the commands (warms the build cache)", func() error { return buildCommands(ctx, root, scope) }); err != nil {
		return err
	}
	switch {
	case scope != doctor.ScopeAll:
		fmt.Fprintf(p.w, "prepare: no images: no exercise needs them (--scope all builds them where Docker runs)\n")
	case !*noDocker:
		prepareImages(ctx, p, root)
	}
	r := doctor.Examine(ctx, doctor.Options{Scope: scope})
	if err := r.Write(streams.Out); err != nil {
		return err
	}
	if !r.Ready {
		return &doctor.NotReadyError{Failed: r.Failed()}
	}
	return nil
}

// ExitCode maps Run's error to the exit status: 0 ready, 1 otherwise, 64 a
// usage error.
func ExitCode(err error) int { return cli.ExitCode(err, 1) }

// progress prints one line per step with its time.
type progress struct{ w io.Writer }

func (p *progress) step(what string, f func() error) error {
	t0 := time.Now()
	fmt.Fprintf(p.w, "prepare: %s...\n", what)
	err := f()
	if err != nil {
		fmt.Fprintf(p.w, "prepare: %s failed after %.1fs\n", what, time.Since(t0).Seconds())
		return fmt.Errorf("prepare: %s: %w", what, err)
	}
	fmt.Fprintf(p.w, "prepare: %s: done in %.1fs\n", what, time.Since(t0).Seconds())
	return nil
}

func goCmd(ctx context.Context, dir string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// fetchModules loads every package the scope builds from, which fetches
// exactly their modules (the doctor's module check loads the same
// packages offline). The all scope first downloads every module of the
// module's and the nested modules' graphs.
func fetchModules(ctx context.Context, p *progress, root string, scope doctor.Scope) error {
	if scope == doctor.ScopeAll {
		mods, err := nestedModules(root)
		if err != nil {
			return err
		}
		for _, dir := range append([]string{root}, mods...) {
			rel, _ := filepath.Rel(root, dir)
			if err := p.step("go mod download in ./"+filepath.ToSlash(rel), func() error { return goCmd(ctx, dir, "mod", "download") }); err != nil {
				return err
			}
		}
	}
	return p.step("fetch the modules of the "+string(scope)+" scope", func() error {
		for _, args := range scope.Loads() {
			if err := goCmd(ctx, root, append([]string{"list", "-deps"}, args...)...); err != nil {
				return err
			}
		}
		return nil
	})
}

// nestedModules are the folders under tools/ with a go.mod of their own.
func nestedModules(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(filepath.Join(root, "tools"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if !d.IsDir() && d.Name() == "go.mod" {
			out = append(out, filepath.Dir(path))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("prepare: look for nested modules: %w", err)
	}
	return out, nil
}

func buildCommands(ctx context.Context, root string, scope doctor.Scope) error {
	tmp, err := os.MkdirTemp("", "prepare-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	out := tmp + string(filepath.Separator)
	if scope != doctor.ScopeAll {
		return goCmd(ctx, root, append([]string{"build", "-o", out}, doctor.WorkshopCommands...)...)
	}
	if err := goCmd(ctx, root, append([]string{"build", "-o", out}, Commands...)...); err != nil {
		return err
	}
	// The full builds, which the light commands hand a run to: go build
	// caches their packages for that build.
	return goCmd(ctx, root, append([]string{"build", "-tags", doctor.FullTag, "-o", filepath.Join(tmp, "full") + string(filepath.Separator)}, doctor.FullCommands...)...)
}

// prepareImages gets the images where Docker answers, through the docker
// command and the image targets (prepare imports no lab and no Docker
// client); a failure is reported and left to the doctor's report (the
// images are optional).
func prepareImages(ctx context.Context, p *progress, root string) {
	if err := exec.CommandContext(ctx, "docker", "version").Run(); err != nil {
		fmt.Fprintf(p.w, "prepare: no Docker engine answers: skipping the images (only --runtime docker/kind need them)\n")
		return
	}
	_ = p.step("Postgres image", func() error { return postgresImage(ctx, p) })
	_ = p.step("lab image", func() error { return goCmd(ctx, root, "tool", "mage", "images:lab") })
}

// postgresImage keeps the official image when present, pulls it where a
// registry answers, and else, on Linux, builds the offline one.
func postgresImage(ctx context.Context, p *progress) error {
	if exec.CommandContext(ctx, "docker", "image", "inspect", pgimage.OfficialImage).Run() == nil {
		return nil
	}
	fmt.Fprintf(p.w, "prepare: pulling %s...\n", pgimage.OfficialImage)
	out, err := exec.CommandContext(ctx, "docker", "pull", pgimage.OfficialImage).CombinedOutput()
	if err == nil {
		return nil
	}
	if runtime.GOOS != "linux" {
		return fmt.Errorf("docker pull %s: %s", pgimage.OfficialImage, strings.TrimSpace(string(out)))
	}
	fmt.Fprintf(p.w, "prepare: no image pullable; building the offline one (%s)\n", pgimage.DefaultTag)
	_, err = pgimage.Build(ctx, pgimage.Options{Logger: slog.New(slog.NewTextHandler(p.w, nil))})
	return err
}
