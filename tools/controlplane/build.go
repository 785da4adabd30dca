package controlplane

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/bloglabs/posts/internal/repo"
)

// Versions of what [Build] builds. They are fixed by the nested modules in
// build/kubernetes and build/kwok; these constants name them in messages and
// in the binaries' version strings.
const (
	KubernetesVersion = "v1.37.2"
	KwokVersion       = "v0.8.0"
)

// ErrNotBuilt is returned by [Find] (and by [Start] when it has no binaries)
// when the binaries for the current build inputs are not in the cache. Its
// message says how to build them.
var ErrNotBuilt = errors.New("control plane binaries not built: run `go tool mage cluster:build` " +
	"(or `go run ./tools/cmd/controlplane build`; a cold build takes 10-17 minutes on 2 cores)")

// ErrUnsupportedOS is returned by [Build] and [Start] on systems where the
// control plane does not run: it needs Linux or macOS (etcd and the process
// groups that Close stops).
var ErrUnsupportedOS = errors.New("the local control plane needs Linux or macOS")

// A binary and the package it is built from, in the nested module that
// holds that package; goos, when set, is the one system it is built for.
type binary struct {
	name, module, pkg string
	goos              string
}

// builtHere reports whether the binary is built on this system: the
// kubelet runs only on Linux (cgroups, mounts, CNI).
func (b binary) builtHere() bool { return b.goos == "" || b.goos == runtime.GOOS }

// binaries, by module: each module's are built by one go build.
var binaries = []binary{
	{"etcd", "kubernetes", "go.etcd.io/etcd/server/v3", ""},
	{"kube-apiserver", "kubernetes", "k8s.io/kubernetes/cmd/kube-apiserver", ""},
	{"kube-controller-manager", "kubernetes", "k8s.io/kubernetes/cmd/kube-controller-manager", ""},
	{"kube-scheduler", "kubernetes", "k8s.io/kubernetes/cmd/kube-scheduler", ""},
	{"kubectl", "kubernetes", "k8s.io/kubernetes/cmd/kubectl", ""},
	// The real node's kubelet (see RealNode): Linux only.
	{"kubelet", "kubernetes", "k8s.io/kubernetes/cmd/kubelet", "linux"},
	{"kwok", "kwok", "sigs.k8s.io/kwok/cmd/kwok", ""},
}

// buildInputs are the files, relative to the source dir, whose content keys
// the cache: a new go.sum is a new set of binaries.
var buildInputs = []string{
	"build/kubernetes/go.mod", "build/kubernetes/go.sum",
	"build/kwok/go.mod", "build/kwok/go.sum",
}

// recipe is hashed with the inputs: changing how binaries are built (flags,
// the list above) must not reuse binaries built the old way.
func recipe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "controlplane build v1 %s/%s CGO_ENABLED=0 -trimpath %s\n", runtime.GOOS, runtime.GOARCH, ldflags())
	for _, bin := range binaries {
		if bin.builtHere() {
			fmt.Fprintf(&b, "%s %s %s\n", bin.name, bin.module, bin.pkg)
		}
	}
	return b.String()
}

// ldflags strip the binaries (~500 MB instead of ~800 MB) and stamp the
// version: without -X they report v0.0.0-master, which kubectl version and
// the apiserver's /version then show.
func ldflags() string {
	minor := strings.Split(KubernetesVersion, ".")[1]
	var b strings.Builder
	b.WriteString("-s -w")
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		fmt.Fprintf(&b, " -X %s.gitVersion=%s -X %s.gitMajor=1 -X %s.gitMinor=%s", pkg, KubernetesVersion, pkg, pkg, minor)
	}
	return b.String()
}

// BuildOptions say where the binaries are built from and cached. The zero
// value finds both.
type BuildOptions struct {
	// SourceDir is the folder holding build/kubernetes and build/kwok (this
	// package's folder in the repository). Defaults to tools/controlplane
	// in the first folder, from the working directory up, that has it.
	SourceDir string
	// CacheDir is the root of the binary cache; binaries go to
	// CacheDir/<hash of the build inputs>/bin. Defaults to
	// $LABS_CONTROLPLANE_CACHE, else bloglabs/controlplane in the user's
	// cache folder ($XDG_CACHE_HOME or ~/.cache on Linux).
	CacheDir string
	// Logger receives progress: a line per module built, and one a minute
	// while it builds. Defaults to discarding.
	Logger *slog.Logger
}

// Binaries is a folder of built binaries.
type Binaries struct {
	// Dir holds etcd, kube-apiserver, kube-controller-manager,
	// kube-scheduler, kubectl, kwok and, on Linux, kubelet.
	Dir string
}

// Path is the path of the named binary (e.g. "kubectl").
func (b *Binaries) Path(name string) string { return filepath.Join(b.Dir, name+exeSuffix()) }

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

func (o *BuildOptions) setDefaults() error {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.SourceDir == "" {
		dir, err := findSourceDir()
		if err != nil {
			return err
		}
		o.SourceDir = dir
	}
	if o.CacheDir == "" {
		o.CacheDir = os.Getenv("LABS_CONTROLPLANE_CACHE")
	}
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("controlplane: no cache folder (set LABS_CONTROLPLANE_CACHE): %w", err)
		}
		o.CacheDir = filepath.Join(base, "bloglabs", "controlplane")
	}
	return nil
}

func findSourceDir() (string, error) {
	root, err := repo.Root()
	if err != nil {
		return "", fmt.Errorf("controlplane: %w (or set BuildOptions.SourceDir)", err)
	}
	return filepath.Join(root, "tools", "controlplane"), nil
}

// binDir is where the binaries for the current inputs live once built.
func (o *BuildOptions) binDir() (string, error) {
	h := sha256.New()
	h.Write([]byte(recipe()))
	for _, name := range buildInputs {
		b, err := os.ReadFile(filepath.Join(o.SourceDir, name))
		if err != nil {
			return "", fmt.Errorf("controlplane: read build input: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	return filepath.Join(o.CacheDir, hex.EncodeToString(h.Sum(nil))[:16], "bin"), nil
}

// Find returns the binaries built for the current build inputs, or
// [ErrNotBuilt]. It builds nothing.
func Find(opts BuildOptions) (*Binaries, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	dir, err := opts.binDir()
	if err != nil {
		return nil, err
	}
	// The folder appears by rename once every binary is in it.
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w (looked in %s)", ErrNotBuilt, dir)
		}
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	return &Binaries{Dir: dir}, nil
}

// Build returns the cached binaries, building them first when the cache has
// none for the current build inputs. A cold build (empty Go build cache)
// takes 10-17 minutes on 2 cores and 4.5 GB of build cache; with the binaries
// cached it returns at once.
func Build(ctx context.Context, opts BuildOptions) (*Binaries, error) {
	if !supportedOS {
		return nil, ErrUnsupportedOS
	}
	if b, err := Find(opts); err == nil || !errors.Is(err, ErrNotBuilt) {
		return b, err
	}
	_ = opts.setDefaults() // Find succeeded in doing it
	dir, err := opts.binDir()
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	t0 := time.Now()
	log.Info("building the control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (and kubelet on Linux) "+KubernetesVersion+
		" and kwok "+KwokVersion+" from source; a cold build takes 10-17 minutes on 2 cores, later runs reuse the binaries", "into", dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	// Build beside the final folder and rename it into place, so that a
	// half-built folder is never found and two builders do not collide.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "building-")
	if err != nil {
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, module := range []string{"kubernetes", "kwok"} {
		if err := goCommand(ctx, log, filepath.Join(opts.SourceDir, "build", module), "downloading modules for "+module, "mod", "download"); err != nil {
			return nil, err
		}
	}
	for _, module := range []string{"kubernetes", "kwok"} {
		if err := buildModule(ctx, log, filepath.Join(opts.SourceDir, "build", module), module, tmp); err != nil {
			return nil, err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil { // MkdirTemp made it 0700
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(dir); statErr != nil {
			return nil, fmt.Errorf("controlplane: %w", err)
		}
		// Another builder finished first: its binaries are the same.
	}
	log.Info("control plane built", "took", time.Since(t0).Round(time.Second), "dir", dir)
	return &Binaries{Dir: dir}, nil
}

// buildModule builds the binaries of one nested module into dir with a
// single go build: one build graph lets the links of kube-apiserver,
// kube-controller-manager and the others run beside the compiles, where a
// go build per binary would link them one after the other.
func buildModule(ctx context.Context, log *slog.Logger, moduleDir, module, dir string) error {
	out, err := os.MkdirTemp(dir, module+"-")
	if err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	defer os.RemoveAll(out)
	var names, pkgs []string
	for _, bin := range binaries {
		if bin.module == module && bin.builtHere() {
			names, pkgs = append(names, bin.name), append(pkgs, bin.pkg)
		}
	}
	// With several packages, -o names a folder and each binary takes its
	// package's name (etcd's .../server/v3 becomes "server"); they are
	// renamed below.
	args := append([]string{"build", "-trimpath", "-ldflags", ldflags(), "-o", out + string(filepath.Separator)}, pkgs...)
	if err := goCommand(ctx, log, moduleDir, "building "+strings.Join(names, ", "), args...); err != nil {
		return err
	}
	for i, pkg := range pkgs {
		built := filepath.Join(out, execName(pkg)+exeSuffix())
		if err := os.Rename(built, filepath.Join(dir, names[i]+exeSuffix())); err != nil {
			return fmt.Errorf("controlplane: %s: %w", names[i], err)
		}
	}
	return nil
}

// execName is the file name go build gives a main package's binary: its
// path's last element, or the one before it when that is a major version
// suffix (v2, v3, ...).
func execName(pkg string) string {
	dir, elem := path.Split(pkg)
	if len(elem) > 1 && elem[0] == 'v' && strings.Trim(elem[1:], "0123456789") == "" && dir != "" {
		return path.Base(dir)
	}
	return elem
}

// goCommand runs one go command in a nested module, logging when it starts,
// once a minute while it runs, and when it ends.
func goCommand(ctx context.Context, log *slog.Logger, dir, what string, args ...string) error {
	t0 := time.Now()
	log.Info(what)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	// CGO off: static binaries that run on any Linux of the same
	// architecture; GOWORK off: a go.work above must not pull these
	// modules into a workspace.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("controlplane: %s: %w", what, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("controlplane: %s (go %s in %s): %w\n%s", what, args[0], dir, err, tail(out.Bytes(), 30))
			}
			log.Info("done: "+what, "took", time.Since(t0).Round(time.Second))
			return nil
		case <-tick.C:
			log.Info("still "+what, "elapsed", time.Since(t0).Round(time.Second))
		}
	}
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
