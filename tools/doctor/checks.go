package doctor

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/tools/pgtemp"
)

// goEnv is what the go command says about itself and this module.
type goEnv struct {
	GOVERSION, GOMOD, GOMODCACHE, GOCACHE, CC, CGO_ENABLED string
}

func readGoEnv(ctx context.Context) (goEnv, error) {
	var e goEnv
	out, err := exec.CommandContext(ctx, "go", "env", "-json", "GOVERSION", "GOMOD", "GOMODCACHE", "GOCACHE", "CC", "CGO_ENABLED").Output()
	if err != nil {
		return e, fmt.Errorf("go env: %w", err)
	}
	if err := json.Unmarshal(out, &e); err != nil {
		return e, fmt.Errorf("go env: %w", err)
	}
	// The repository's go.mod, also from inside a nested module; none
	// outside the repository.
	e.GOMOD = ""
	if root, err := repo.Root(); err == nil {
		e.GOMOD = filepath.Join(root, "go.mod")
	}
	return e, nil
}

// moduleDir is the repository's folder, "" outside it.
func (e goEnv) moduleDir() string {
	if e.GOMOD == "" {
		return ""
	}
	return filepath.Dir(e.GOMOD)
}

// outcome is what a check function found: passed or not, in a phrase, and
// the fix when the check knows it better than [fixFor] (it depends on what
// the check found).
type outcome struct {
	passed bool
	detail string
	fix    string
}

func pass(format string, a ...any) outcome {
	return outcome{passed: true, detail: fmt.Sprintf(format, a...)}
}
func fail(format string, a ...any) outcome {
	return outcome{passed: false, detail: fmt.Sprintf(format, a...)}
}

// goModVersion reads the go line of a go.mod ("1.26.0").
func goModVersion(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "go" {
			return f[1]
		}
	}
	return ""
}

// judgeGo compares the go command's version with the go.mod's.
func judgeGo(have, want string) outcome {
	if want == "" {
		return pass("%s", have)
	}
	if version.Compare(have, "go"+want) < 0 {
		return fail("%s is older than go%s, which go.mod needs", have, want)
	}
	return pass("%s (go.mod needs go%s)", have, want)
}

func checkGo(e goEnv) outcome {
	dir := e.moduleDir()
	if dir == "" {
		return pass("%s (run doctor inside the clone to compare with its go.mod)", e.GOVERSION)
	}
	b, err := os.ReadFile(e.GOMOD)
	if err != nil {
		return fail("read go.mod: %v", err)
	}
	return judgeGo(e.GOVERSION, goModVersion(b))
}

// RaceWorks is whether `go test -race` can build here: cgo on and its C
// compiler found (doctor's "C toolchain" check).
func RaceWorks(ctx context.Context) bool {
	e, err := readGoEnv(ctx)
	return err == nil && checkCC(e).passed
}

func checkCC(e goEnv) outcome {
	if e.CGO_ENABLED != "1" {
		return fail("cgo is off (CGO_ENABLED=%s, or no C compiler was found), and -race needs it", e.CGO_ENABLED)
	}
	cc := strings.Fields(e.CC)
	if len(cc) == 0 {
		return fail("no C compiler configured (go env CC is empty), and -race needs one")
	}
	p, err := exec.LookPath(cc[0])
	if err != nil {
		return fail("%s not found, and -race needs a C compiler", cc[0])
	}
	return pass("%s: go test -race works", p)
}

// postgresVersion reads `postgres --version`: "postgres (PostgreSQL) 15.14
// (Debian 15.14-0+deb12u1)" → "15.14".
func postgresVersion(out string) string {
	f := strings.Fields(out)
	for i, w := range f {
		if w == "(PostgreSQL)" && i+1 < len(f) {
			return f[i+1]
		}
	}
	if len(f) > 0 {
		return f[len(f)-1]
	}
	return ""
}

func checkPostgres(ctx context.Context, quick bool) outcome {
	if runtime.GOOS == "windows" {
		return fail("%v", pgtemp.ErrWindows)
	}
	bin, err := pgtemp.FindBinDir()
	switch {
	case errors.Is(err, pgtemp.ErrNoBinaries) && os.Getenv(pgtemp.EnvBinDir) != "":
		return fail("%s=%s holds no initdb and postgres", pgtemp.EnvBinDir, os.Getenv(pgtemp.EnvBinDir))
	case errors.Is(err, pgtemp.ErrNoBinaries):
		return fail("no initdb and postgres on PATH, nor where Debian, the PGDG RPMs, Homebrew, Postgres.app or EDB's installer put them")
	case err != nil:
		return fail("%v", err)
	}

	out, err := exec.CommandContext(ctx, filepath.Join(bin, "postgres"), "--version").Output()
	if err != nil {
		return fail("%s/postgres --version: %v", bin, err)
	}
	v := postgresVersion(string(out))
	if quick {
		return pass("%s in %s", v, bin)
	}
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	s, err := pgtemp.Start(ctx, pgtemp.Options{BinDir: bin})
	if err != nil {
		return fail("PostgreSQL %s in %s, but a throwaway server did not start: %v", v, bin, err)
	}
	defer s.Stop()
	conn, err := pgx.Connect(ctx, s.DSN())
	if err != nil {
		return fail("PostgreSQL %s in %s started, but did not answer: %v", v, bin, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fail("PostgreSQL %s in %s started, but did not answer: %v", v, bin, err)
	}
	return pass("%s in %s; a throwaway server started and answered in %.1fs", v, bin, time.Since(t0).Seconds())
}

// MinFreeDisk is the free space the disk check wants where the module
// cache, the build cache and temporary files live: prepare fills about
// 1.5 GB from empty, and a lab's servers and binaries take a few hundred MB.
const MinFreeDisk = 3 << 30

// judgeDisk decides from the free bytes of each folder that matters.
func judgeDisk(free map[string]uint64) outcome {
	least, where := uint64(0), ""
	for dir, n := range free {
		if where == "" || n < least || (n == least && dir < where) {
			least, where = n, dir
		}
	}
	if where == "" {
		return fail("could not measure free space")
	}
	gib := float64(least) / (1 << 30)
	if least < MinFreeDisk {
		return fail("%.1f GiB free at %s; the labs want %d GiB", gib, where, MinFreeDisk>>30)
	}
	return pass("%.1f GiB free (least of the module cache, build cache and temp folders)", gib)
}

func checkDisk(e goEnv) outcome {
	free := map[string]uint64{}
	var errs []error
	for _, dir := range []string{e.GOMODCACHE, e.GOCACHE, os.TempDir()} {
		if dir == "" {
			continue
		}
		n, err := freeBytes(existingParent(dir))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		free[dir] = n
	}
	if len(free) == 0 {
		return fail("could not measure free space: %v", errors.Join(errs...))
	}
	return judgeDisk(free)
}

// existingParent is dir or its nearest existing ancestor: a module cache
// that does not exist yet will be made on that disk.
func existingParent(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || d == filepath.Dir(d) {
			return d
		}
	}
}

// judgeModules reads what `go list -deps` printed with GOPROXY=off: the
// modules of every package it loaded (stdout, one path@version a line) and
// the lookups it was refused (stderr) for modules not in the cache.
func judgeModules(stdout, stderr []byte, failed bool, cache string, scope Scope) outcome {
	mods := map[string]bool{}
	for _, l := range strings.Fields(string(stdout)) {
		mods[l] = true
	}
	// "go: downloading M V" names a module the cache lacks (the download
	// then fails); the lookup errors that follow name only the importing
	// file. Name the modules, else the lookups.
	var missing, lookups []string
	for _, l := range strings.Split(string(stderr), "\n") {
		l = strings.TrimSpace(l)
		if f := strings.Fields(l); len(f) == 4 && f[0] == "go:" && f[1] == "downloading" {
			missing = append(missing, f[2]+"@"+f[3])
		} else if strings.Contains(l, "GOPROXY=off") || strings.Contains(l, "module lookup disabled") {
			lookups = append(lookups, strings.TrimPrefix(l, "go: "))
		}
	}
	if len(missing) == 0 {
		missing = lookups
	}
	switch {
	case len(missing) > 0:
		more := ""
		if len(missing) > 2 {
			missing, more = missing[:2], fmt.Sprintf(" and %d more", len(missing)-2)
		}
		return fail("modules missing from the cache, so the %s scope needs the network to build: %s%s", scope, strings.Join(missing, "; "), more)
	case failed:
		return fail("go list failed: %s", firstLine(string(stderr)))
	}
	return pass("the %d modules the %s scope builds from are in %s: no network needed; left out: %s", len(mods), scope, cache, scope.LeavesOut())
}

// checkModules loads every package the scope builds from, for this system,
// with the network off.
func checkModules(ctx context.Context, e goEnv, scope Scope) outcome {
	dir := e.moduleDir()
	if dir == "" {
		return fail("%s", repo.NotInsideHint)
	}
	var stdout, stderr bytes.Buffer
	failed := false
	for _, args := range scope.Loads() {
		cmd := exec.CommandContext(ctx, "go", append([]string{"list", "-deps", "-f", "{{with .Module}}{{if .Version}}{{.Path}}@{{.Version}}{{end}}{{end}}"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=mod")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			failed = true
		}
	}
	return judgeModules(stdout.Bytes(), stderr.Bytes(), failed, e.GOMODCACHE, scope)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
