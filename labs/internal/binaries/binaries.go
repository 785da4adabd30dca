package binaries

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Program is a main package of the module.
type Program struct {
	// Name of the binary, which is also the image name in a spec.
	Name string
	// Dir is the package's folder relative to the module root.
	Dir string
}

// The programs the labs deploy.
var (
	Demoapp = Program{Name: "demoapp", Dir: "labs/cmd/demoapp"}
	Runonce = Program{Name: "runonce", Dir: "runonce/cmd/runonce"}
)

// DefaultDir is where labs keep their binaries: a folder in the user's
// cache.
func DefaultDir() (string, error) {
	c, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("binaries: %w", err)
	}
	return filepath.Join(c, "bloglabs", "labs-bin"), nil
}

// Target says what to build for. The zero value is this machine, as `go
// build` builds by default.
type Target struct {
	// GOOS and GOARCH, when set, cross-compile.
	GOOS, GOARCH string
	// Static builds with CGO_ENABLED=0, trimmed and stripped: a binary that
	// runs in an image FROM scratch.
	Static bool
	// Tags are build tags (go build -tags).
	Tags []string
}

// Build builds progs from the module at root into dir, for this machine.
func Build(ctx context.Context, root, dir string, progs ...Program) error {
	return BuildFor(ctx, root, dir, Target{}, progs...)
}

// BuildFor builds progs from the module at root into dir, for t. Each
// binary is built into a fresh folder and renamed into place, so a lab
// running an older copy is not disturbed.
func BuildFor(ctx context.Context, root, dir string, t Target, progs ...Program) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("binaries: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".build-")
	if err != nil {
		return fmt.Errorf("binaries: %w", err)
	}
	defer os.RemoveAll(tmp)
	args := []string{"build", "-o", tmp + string(filepath.Separator)}
	env := os.Environ()
	if t.Static {
		args = append(args, "-trimpath", "-ldflags=-s -w")
		env = append(env, "CGO_ENABLED=0")
	}
	if len(t.Tags) > 0 {
		args = append(args, "-tags", strings.Join(t.Tags, ","))
	}
	if t.GOOS != "" {
		env = append(env, "GOOS="+t.GOOS)
	}
	if t.GOARCH != "" {
		env = append(env, "GOARCH="+t.GOARCH)
	}
	for _, p := range progs {
		args = append(args, "./"+filepath.ToSlash(p.Dir))
	}
	cmd := exec.CommandContext(ctx, goTool(), args...)
	cmd.Dir = root
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("binaries: go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	for _, p := range progs {
		file := p.Name + t.exeSuffix()
		if err := os.Rename(filepath.Join(tmp, file), filepath.Join(dir, file)); err != nil {
			return fmt.Errorf("binaries: %w", err)
		}
	}
	return nil
}

// exeSuffix is what go build appends to a binary's name for t.
func (t Target) exeSuffix() string {
	if t.GOOS == "windows" || (t.GOOS == "" && runtime.GOOS == "windows") {
		return ".exe"
	}
	return ""
}

// goTool finds the go command: on PATH, else in $GOROOT/bin.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		return filepath.Join(root, "bin", "go")
	}
	return "go"
}
