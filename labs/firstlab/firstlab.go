package firstlab

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Options say what to measure. Repo and Proxy are required.
type Options struct {
	// Repo is the repository to clone (a folder or URL git clones).
	Repo string
	// Rev is the revision to check out. Defaults to the clone's HEAD.
	Rev string
	// Proxy is a module cache's cache/download folder, served to the go
	// command as GOPROXY=file://Proxy. It must hold every module the
	// target needs.
	Proxy string
	// Target is the mage target. Defaults to lab:race.
	Target string
	// Work is where the clone and its caches go. Defaults to a temporary
	// folder, removed at the end.
	Work string
	// Timeout ends the target. Defaults to 30m.
	Timeout time.Duration
	// Progress receives a line per step. Defaults to discarding.
	Progress io.Writer
}

func (o Options) withDefaults() Options {
	if o.Target == "" {
		o.Target = "lab:race"
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

// Result is one first run.
type Result struct {
	// Rev is the commit measured.
	Rev string `json:"rev"`
	// Modules is how many module zips were fetched, Bytes their folder's
	// size (cache/download: zips, go.mod files, checksums).
	Modules int   `json:"modules"`
	Bytes   int64 `json:"bytes"`
	// Packages is how many packages the go command compiled and named
	// (-v): the magefile, the commands it runs, their dependencies and the
	// standard library. (The lab's own go build of demoapp is not named:
	// it shares its packages with the lab command.)
	Packages int `json:"packages"`
	// Seconds from the command's start to its exit, after the verdict.
	Seconds float64 `json:"seconds"`
	// Verdict is the report's verdict line.
	Verdict string `json:"verdict"`
}

// MiB is Bytes in mebibytes.
func (r Result) MiB() float64 { return float64(r.Bytes) / (1 << 20) }

// Measure clones o.Repo at o.Rev into a fresh folder and runs `go tool
// mage TARGET` there with empty module and build caches (and mage's and the
// labs' caches), modules from o.Proxy only.
func Measure(ctx context.Context, o Options) (Result, error) {
	o = o.withDefaults()
	if o.Repo == "" || o.Proxy == "" {
		return Result{}, errors.New("firstlab: Options need Repo and Proxy")
	}
	work := o.Work
	if work == "" {
		dir, err := os.MkdirTemp("", "firstlab-")
		if err != nil {
			return Result{}, fmt.Errorf("firstlab: %w", err)
		}
		defer removeAll(dir)
		work = dir
	}
	clone := filepath.Join(work, "clone")
	rev, err := checkout(ctx, o.Repo, o.Rev, clone)
	if err != nil {
		return Result{}, err
	}
	fmt.Fprintf(o.Progress, "%s: go tool mage %s from empty caches...\n", short(rev), o.Target)
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "tool", "mage", o.Target)
	cmd.Dir = clone
	cmd.Env = freshEnv(work, o.Proxy)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	runErr := cmd.Run()
	res := Result{Rev: rev, Seconds: time.Since(t0).Seconds(), Verdict: verdict(stdout.String()),
		Packages: packagesNamed(stderr.String())}
	if runErr != nil && res.Verdict == "" {
		return res, fmt.Errorf("firstlab: go tool mage %s at %s: %w\n%s", o.Target, short(rev), runErr, tail(stderr.String(), 20))
	}
	res.Modules, res.Bytes, err = fetched(filepath.Join(work, "mod", "cache", "download"))
	return res, err
}

// freshEnv is this process's environment with every cache the first run
// fills pointed into work, and modules from proxy alone.
func freshEnv(work, proxy string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		switch strings.SplitN(kv, "=", 2)[0] {
		case "GOFLAGS", "GOPROXY", "GOMODCACHE", "GOCACHE", "GONOSUMDB", "GOSUMDB", "GOTOOLCHAIN",
			"XDG_CACHE_HOME", "MAGEFILE_CACHE", "LABS_RUNTIME", "LABS_POSTGRES":
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"GOMODCACHE="+filepath.Join(work, "mod"),
		"GOCACHE="+filepath.Join(work, "gocache"),
		"GOPROXY=file://"+filepath.ToSlash(proxy),
		// The clone's go.sum checks every module; the checksum database
		// would be the network again.
		"GOSUMDB=off",
		"GOTOOLCHAIN=local",
		// -v names each package as it is compiled; -modcacherw lets the
		// caches be removed.
		"GOFLAGS=-modcacherw -v",
		"XDG_CACHE_HOME="+filepath.Join(work, "xdg"),
		"MAGEFILE_CACHE="+filepath.Join(work, "mage"),
	)
}

// checkout clones repo into dir at rev and returns the commit.
func checkout(ctx context.Context, repo, rev, dir string) (string, error) {
	if out, err := exec.CommandContext(ctx, "git", "clone", "-q", "--no-checkout", repo, dir).CombinedOutput(); err != nil {
		return "", fmt.Errorf("firstlab: git clone %s: %w\n%s", repo, err, out)
	}
	if rev == "" {
		rev = "HEAD"
	}
	if out, err := exec.CommandContext(ctx, "git", "-C", dir, "checkout", "-q", rev).CombinedOutput(); err != nil {
		return "", fmt.Errorf("firstlab: git checkout %s: %w\n%s", rev, err, out)
	}
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", fmt.Errorf("firstlab: git rev-parse: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// importPath is a line go -v prints for a package it compiles.
var importPath = regexp.MustCompile(`^[A-Za-z0-9_.~+-]+(/[A-Za-z0-9_.~+-]+)*$`)

// packagesNamed counts the packages go -v named in stderr.
func packagesNamed(stderr string) int {
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(stderr))
	for sc.Scan() {
		if l := sc.Text(); importPath.MatchString(l) {
			seen[l] = true
		}
	}
	return len(seen)
}

// verdict is the report's verdict line.
func verdict(stdout string) string {
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, "verdict: ") {
			return strings.TrimPrefix(l, "verdict: ")
		}
	}
	return ""
}

// fetched counts the module zips under download and its size in bytes.
func fetched(download string) (zips int, size int64, err error) {
	err = filepath.WalkDir(download, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		size += info.Size()
		if strings.HasSuffix(path, ".zip") {
			zips++
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("firstlab: %w", err)
	}
	return zips, size, nil
}

// removeAll removes dir, whose module cache is read-only unless
// -modcacherw made it writable.
func removeAll(dir string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	_ = os.RemoveAll(dir)
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
