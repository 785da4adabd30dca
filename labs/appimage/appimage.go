package appimage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"time"

	"github.com/moby/moby/client"

	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/internal/binaries"
	"github.com/bloglabs/posts/labs/internal/dockerx"
	"github.com/bloglabs/posts/tools/images"
)

// Repository is the lab image's name; the tag is the content's.
const Repository = images.LabRepository

// BinPath is where the programs are in the image, first on its PATH.
const BinPath = "/usr/local/bin"

// User is the image's user: nobody, since nothing in it needs root.
const User = "65534:65534"

// Options configure Build. The zero value builds from the module the working
// directory is in, for the engine's architecture.
type Options struct {
	// Root is the module's folder. Defaults to the one the working
	// directory is in.
	Root string
	// BinDir receives the static binaries. Defaults to a folder of the
	// user cache per OS and architecture.
	BinDir string
	// Arch is the image's architecture (GOARCH). Defaults to the engine's.
	Arch string
	// Progress receives a line per long step. Defaults to discarding.
	Progress io.Writer
}

// Image is a built lab image.
type Image struct {
	// Tag names it: bloglabs/lab:<12 hex digits>.
	Tag string
	// ID is the engine's image ID.
	ID string
	// Programs are the programs in the image.
	Programs []string
}

// Build builds the programs as static Linux binaries and the image, and
// loads it into the engine unless the engine has it already.
func Build(ctx context.Context, opts Options) (*Image, error) {
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	cli, err := dockerx.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer cli.Close()
	if opts.Arch == "" {
		opts.Arch = EngineArch(ctx, cli)
	}
	if opts.Root == "" {
		if opts.Root, err = repo.Root(); err != nil {
			return nil, err
		}
	}
	if opts.BinDir == "" {
		dir, err := binaries.DefaultDir()
		if err != nil {
			return nil, err
		}
		opts.BinDir = filepath.Join(dir, "linux-"+opts.Arch+"-static")
	}
	progs := []binaries.Program{binaries.Demoapp, binaries.Runonce}
	target := binaries.Target{GOOS: "linux", GOARCH: opts.Arch, Static: true}
	t0 := time.Now()
	fmt.Fprintf(opts.Progress, "building %s as static linux/%s binaries... ", names(progs), opts.Arch)
	if err := binaries.BuildFor(ctx, opts.Root, opts.BinDir, target, progs...); err != nil {
		fmt.Fprintln(opts.Progress)
		return nil, err
	}
	fmt.Fprintf(opts.Progress, "%.1fs\n", time.Since(t0).Seconds())

	a, err := Assemble(opts.BinDir, opts.Arch, progs)
	if err != nil {
		return nil, err
	}
	out := &Image{Tag: a.Tags[0], ID: a.ID}
	for _, p := range progs {
		out.Programs = append(out.Programs, p.Name)
	}
	if info, err := cli.ImageInspect(ctx, out.Tag); err == nil && info.ID == a.ID {
		fmt.Fprintf(opts.Progress, "image %s is up to date\n", out.Tag)
		return out, nil
	}
	t0 = time.Now()
	fmt.Fprintf(opts.Progress, "loading image %s into Docker... ", out.Tag)
	if err := Load(ctx, cli, a); err != nil {
		fmt.Fprintln(opts.Progress)
		return nil, err
	}
	fmt.Fprintf(opts.Progress, "%.1fs\n", time.Since(t0).Seconds())
	// Older lab images stay: one may be in use (a container, a cluster
	// loading it, another checkout's tests), and Build removes nothing it
	// did not make. `docker image ls bloglabs/lab` lists them.
	return out, nil
}

// Assemble builds the image of the programs built into binDir, tagged by
// its content.
func Assemble(binDir, arch string, progs []binaries.Program) (*images.Archive, error) {
	s := images.Scratch{
		OS: "linux", Arch: arch,
		Dirs: []images.Dir{{Path: "tmp", Mode: 0o1777}},
		Config: images.Config{
			Env:        []string{"PATH=" + BinPath},
			Cmd:        []string{"demoapp", "serve"},
			User:       User,
			WorkingDir: "/tmp",
			Labels: map[string]string{
				"org.opencontainers.image.source":      "https://" + repo.Module,
				"org.opencontainers.image.description": "the blog labs' demo app and runonce, static, FROM scratch",
			},
		},
	}
	for _, p := range progs {
		s.Files = append(s.Files, images.File{Path: path.Join(BinPath, p.Name), Source: filepath.Join(binDir, p.Name)})
	}
	a, err := s.Build()
	if err != nil {
		return nil, fmt.Errorf("appimage: %w", err)
	}
	a.Tags = []string{Repository + ":" + strings.TrimPrefix(a.ID, "sha256:")[:12]}
	return a, nil
}

// Save returns image (a tag or ID of the engine's) as an archive in `docker
// save`'s format, for a runtime that loads it elsewhere (a real node's
// containerd). Close it.
func Save(ctx context.Context, image string) (io.ReadCloser, error) {
	cli, err := dockerx.Connect(ctx)
	if err != nil {
		return nil, err
	}
	rc, err := cli.ImageSave(ctx, []string{image})
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("appimage: docker save %s: %w", image, err)
	}
	return &saved{ReadCloser: rc, cli: cli}, nil
}

// saved closes the engine's client with the archive.
type saved struct {
	io.ReadCloser
	cli *client.Client
}

func (s *saved) Close() error { return errors.Join(s.ReadCloser.Close(), s.cli.Close()) }

// Load loads an archive into the engine.
func Load(ctx context.Context, cli *client.Client, a *images.Archive) error {
	r := a.Reader()
	defer r.Close()
	res, err := cli.ImageLoad(ctx, r, client.ImageLoadWithQuiet(true))
	if err != nil {
		return fmt.Errorf("appimage: docker load: %w", err)
	}
	defer res.Close()
	dec := json.NewDecoder(res)
	for {
		var msg struct {
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("appimage: docker load: %w", err)
		}
		if msg.Error != "" {
			return fmt.Errorf("appimage: docker load: %s", msg.Error)
		}
	}
}

// EngineArch is the engine's architecture as GOARCH spells it.
func EngineArch(ctx context.Context, cli *client.Client) string {
	info, err := cli.Info(ctx, client.InfoOptions{})
	if err != nil {
		return goruntime.GOARCH
	}
	switch a := info.Info.Architecture; a {
	case "x86_64", "amd64":
		return "amd64"
	case "aarch64", "arm64":
		return "arm64"
	case "":
		return goruntime.GOARCH
	default:
		return a
	}
}

func names(progs []binaries.Program) string {
	n := make([]string, len(progs))
	for i, p := range progs {
		n[i] = p.Name
	}
	return strings.Join(n, " and ")
}
