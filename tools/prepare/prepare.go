package prepare

import (
	"context"
	"errors"
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

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/postgres/container"
	"github.com/bloglabs/posts/tools/doctor"
	"github.com/bloglabs/posts/tools/pgimage"
)

// Commands are the main packages prepare builds to warm the build cache.
var Commands = []string{"./labs/cmd/...", "./runonce/cmd/...", "./ci-preemptible/cmd/...", "./tools/cmd/..."}

const usage = `usage: prepare [--no-docker]

Fetches and builds everything the labs need while the network is there
(modules, the commands, and where Docker runs the Postgres and lab images),
then runs the doctor. After it the labs run with GOPROXY=off and no network.`

// Run is the prepare command.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("prepare", usage)
	noDocker := fs.Bool("no-docker", false, "skip the images even when a Docker engine answers")
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	root, err := repo.Root()
	if err != nil {
		return err
	}
	p := &progress{w: streams.Err}
	if err := fetchModules(ctx, p, root); err != nil {
		return err
	}
	if err := p.step("build the commands (warms the build cache)", func() error { return buildCommands(ctx, root) }); err != nil {
		return err
	}
	if !*noDocker {
		prepareImages(ctx, p)
	}
	r := doctor.Examine(ctx, doctor.Options{})
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

// fetchModules downloads the module's (and nested modules') dependencies,
// then loads every package, test and tool so nothing this system imports
// is left out.
func fetchModules(ctx context.Context, p *progress, root string) error {
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
	return p.step("go list -deps -test ./... and the tools", func() error {
		if err := goCmd(ctx, root, "list", "-deps", "-test", "./..."); err != nil {
			return err
		}
		return goCmd(ctx, root, "list", "-deps", "tool")
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

func buildCommands(ctx context.Context, root string) error {
	tmp, err := os.MkdirTemp("", "prepare-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	return goCmd(ctx, root, append([]string{"build", "-o", tmp + string(filepath.Separator)}, Commands...)...)
}

// prepareImages gets the images where Docker answers; a failure is reported
// and left to the doctor's report (the images are optional).
func prepareImages(ctx context.Context, p *progress) {
	tc, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err == nil {
		_, err = tc.Ping(ctx, client.PingOptions{})
	}
	if err != nil {
		fmt.Fprintf(p.w, "prepare: no Docker engine answers: skipping the images (only --runtime docker/kind need them)\n")
		return
	}
	defer tc.Close()
	_ = p.step("Postgres image", func() error {
		_, err := container.ChooseImage(ctx, tc.Client, container.Options{Progress: p.w})
		if errors.Is(err, container.ErrNoImage) && runtime.GOOS == "linux" {
			fmt.Fprintf(p.w, "prepare: no image pullable; building the offline one (%s)\n", pgimage.DefaultTag)
			_, err = pgimage.Build(ctx, pgimage.Options{Logger: slog.New(slog.NewTextHandler(p.w, nil))})
		}
		return err
	})
	_ = p.step("lab image", func() error {
		_, err := appimage.Build(ctx, appimage.Options{Progress: p.w})
		return err
	})
}
