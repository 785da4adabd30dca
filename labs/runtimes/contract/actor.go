package contract

import (
	"context"
	"path"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"

	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/internal/binaries"
	"github.com/bloglabs/posts/labs/internal/dockerx"
	"github.com/bloglabs/posts/tools/images"
)

// Actor is the program the scenarios deploy (cmd/actor): the name their
// containers' commands start with.
const Actor = "actor"

// ImageRepository names the actor's image; the tag is its content's.
const ImageRepository = "bloglabs/runtime-actor"

var actorProgram = binaries.Program{Name: Actor, Dir: "labs/runtimes/contract/cmd/actor"}

var (
	hostOnce sync.Once
	hostDir  string
	hostErr  error

	imageOnce sync.Once
	imageTag  string
	imageErr  error
)

// ActorDir builds the actor for this machine, once per test binary, and
// returns the folder it is in: a process runtime's BinDir.
func ActorDir(t testing.TB) string {
	t.Helper()
	hostOnce.Do(func() {
		root, err := repo.Root()
		if err != nil {
			hostErr = err
			return
		}
		// A folder of its own, not the test's: the binary outlives the
		// first test that asked for it.
		dir, err := binaries.DefaultDir()
		if err != nil {
			hostErr = err
			return
		}
		hostDir = filepath.Join(dir, "contract-"+goruntime.GOOS+"-"+goruntime.GOARCH)
		hostErr = binaries.Build(context.Background(), root, hostDir, actorProgram)
	})
	if hostErr != nil {
		t.Fatalf("build the actor: %v", hostErr)
	}
	return hostDir
}

// ActorImage builds the actor as a static Linux binary in an image FROM
// scratch, loads it into the Docker engine, once per test binary, and
// returns its tag. The caller checks that an engine answers.
func ActorImage(t testing.TB) string {
	t.Helper()
	imageOnce.Do(func() { imageTag, imageErr = buildImage(context.Background()) })
	if imageErr != nil {
		t.Fatalf("build the actor's image: %v", imageErr)
	}
	return imageTag
}

func buildImage(ctx context.Context) (string, error) {
	cli, err := dockerx.Connect(ctx)
	if err != nil {
		return "", err
	}
	defer cli.Close()
	root, err := repo.Root()
	if err != nil {
		return "", err
	}
	dir, err := binaries.DefaultDir()
	if err != nil {
		return "", err
	}
	arch := appimage.EngineArch(ctx, cli)
	dir = filepath.Join(dir, "contract-linux-"+arch+"-static")
	if err := binaries.BuildFor(ctx, root, dir, binaries.Target{GOOS: "linux", GOARCH: arch, Static: true}, actorProgram); err != nil {
		return "", err
	}
	a, err := images.Scratch{
		OS: "linux", Arch: arch,
		Files:  []images.File{{Path: path.Join(appimage.BinPath, Actor), Source: filepath.Join(dir, Actor)}},
		Config: images.Config{Env: []string{"PATH=" + appimage.BinPath}, User: appimage.User, Entrypoint: []string{Actor}},
	}.Build()
	if err != nil {
		return "", err
	}
	tag := ImageRepository + ":" + strings.TrimPrefix(a.ID, "sha256:")[:12]
	a.Tags = []string{tag}
	if info, err := cli.ImageInspect(ctx, tag); err == nil && info.ID == a.ID {
		return tag, nil
	}
	if err := appimage.Load(ctx, cli, a); err != nil {
		return "", err
	}
	return tag, nil
}
