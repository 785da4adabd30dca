package workshop

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// exerciseFile is an exercise's name: two digits, a dash, a name.
var exerciseFile = regexp.MustCompile(`^[0-9]{2}-[a-z0-9-]+\.md$`)

// TestWorkshop runs every exercise of the workshop, step by step, against
// the real labs, and checks each step's exit status and checkpoint. One
// subtest per exercise file; exercises run two at a time (go test's
// -parallel), each in a fresh working directory.
func TestWorkshop(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the exercises run the real labs (minutes); go test ./docs/workshop runs them")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the exercises are bash steps: run them under WSL2")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("the exercises are bash steps, and bash is not on PATH")
	}
	repo := repoRoot(t)
	dependOnSources(t, repo)
	files := exerciseFiles(t)
	prebuild(t, repo, files)
	sum := &summary{start: time.Now()}
	// After every subtest: the log CI prints (go test shows a passing
	// test's log only with -v).
	t.Cleanup(func() { sum.write(t, filepath.Join(repo, "out", "workshop-test", "summary.txt")) })
	if len(files) < 7 {
		t.Errorf("%d exercises, want at least 7: %v", len(files), files)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(f, ".md"), func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			steps, err := parseSteps(string(src))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if len(steps) == 0 {
				t.Fatalf("%s has no ```sh step", f)
			}
			runExercise(t, repo, f, steps, sum)
		})
	}
}

// prebuildTimeout is the budget for compiling the exercises' commands from
// a cold build cache, minutes on 2 cores while other test packages compile
// beside it (cisim brings the Kubernetes libraries).
const prebuildTimeout = 20 * time.Minute

// repoCommand is a package an exercise runs from the clone: go run or go
// build "$REPO/path".
var repoCommand = regexp.MustCompile(`"\$REPO/([^"]+)"`)

// exerciseCommands are the packages the exercises' steps go run or go
// build, in order of first use.
func exerciseCommands(t *testing.T, repo string, files []string) []string {
	t.Helper()
	var pkgs []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		steps, err := parseSteps(string(src))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, s := range steps {
			for _, line := range strings.Split(s.Script, "\n") {
				if !strings.Contains(line, "go run ") && !strings.Contains(line, "go build ") {
					continue
				}
				for _, m := range repoCommand.FindAllStringSubmatch(line, -1) {
					pkg := "./" + m[1]
					if fi, err := os.Stat(filepath.Join(repo, m[1])); err == nil && fi.IsDir() && !slices.Contains(pkgs, pkg) {
						pkgs = append(pkgs, pkg)
					}
				}
			}
		}
	}
	return pkgs
}

// prebuild compiles the commands the exercises run, once, before any timed
// step: a step's timeout is for what the step does, and a cold build cache
// (a newcomer's first go test) must not spend it compiling Kubernetes
// libraries for cisim while other test packages compile beside it. The
// steps' go run then only links.
func prebuild(t *testing.T, repo string, files []string) {
	t.Helper()
	pkgs := exerciseCommands(t, repo, files)
	ctx, cancel := context.WithTimeout(context.Background(), prebuildTimeout)
	defer cancel()
	t0 := time.Now()
	cmd := exec.CommandContext(ctx, "go", append([]string{"build"}, pkgs...)...)
	cmd.Dir = repo
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s (the exercises' commands, before their steps): %v\n%s", strings.Join(pkgs, " "), err, out)
	}
	t.Logf("built the exercises' commands in %.1fs: %s", time.Since(t0).Seconds(), strings.Join(pkgs, " "))
}

func exerciseFiles(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		if exerciseFile.MatchString(e.Name()) {
			files = append(files, e.Name())
		}
	}
	sort.Strings(files)
	return files
}

// repoRoot is the module's root: this package is docs/workshop.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod two folders up from docs/workshop: %v", err)
	}
	return root
}

// workDir makes the exercise's fresh working directory. It lives under the
// repository's out/ (ignored by git) because the labs find their sources by
// walking up from the working directory, as they do for an attendee who
// works in a scratch folder of the clone.
func workDir(t *testing.T, repo, name string) string {
	t.Helper()
	base := filepath.Join(repo, "out", "workshop-test")
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(base, strings.TrimSuffix(name, ".md")+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kept the working directory for a look: %s", dir)
			return
		}
		os.RemoveAll(dir)
	})
	return dir
}

func runExercise(t *testing.T, repo, file string, steps []step, sum *summary) {
	dir := workDir(t, repo, file)
	var groups []int
	// Stop what the steps left in the background (a throwaway Postgres, a
	// waiting replica), even when a step failed.
	t.Cleanup(func() { stopGroups(groups) })
	start := time.Now()
	matched := 0
	for i, s := range steps {
		name := fmt.Sprintf("%s:%d (step %d)", file, s.Line, i+1)
		if reason := cannotRun(s.Needs); reason != "" {
			sum.logf(t, "%s skipped: %s", name, reason)
			continue
		}
		began := time.Now()
		out, code, pgid, err := runStep(repo, dir, s)
		if pgid != 0 {
			groups = append(groups, pgid)
		}
		if err != nil {
			t.Fatalf("%s: %v\n--- output\n%s", name, err, out)
		}
		if code != s.Exit {
			t.Fatalf("%s exited %d, want %d\n--- script\n%s--- output\n%s", name, code, s.Exit, s.Script, out)
		}
		if miss := missing(out, s.Checkpoint); len(miss) > 0 {
			t.Fatalf("%s: checkpoint lines missing from the output:\n  %s\n--- output\n%s", name, strings.Join(miss, "\n  "), out)
		}
		matched += len(s.Checkpoint)
		sum.logf(t, "%s: exit %d, %d checkpoint lines matched, %.1fs", name, code, len(s.Checkpoint), time.Since(began).Seconds())
	}
	sum.logf(t, "%s: %d steps, %d checkpoint lines matched, %.1fs", file, len(steps), matched, time.Since(start).Seconds())
	sum.add(len(steps), matched)
}

// summary collects what the exercises did, for CI's log.
type summary struct {
	mu                     sync.Mutex
	start                  time.Time
	lines                  []string
	exercises, steps, seen int
}

func (s *summary) logf(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf(format, args...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, fmt.Sprintf(format, args...))
}

func (s *summary) add(steps, matched int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exercises++
	s.steps += steps
	s.seen += matched
}

func (s *summary) write(t *testing.T, file string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	verdict := "PASS"
	if t.Failed() {
		verdict = "FAIL"
	}
	text := strings.Join(s.lines, "\n") + fmt.Sprintf("\nTestWorkshop %s: %d exercises ran to the end, %d steps, %d checkpoint lines matched, %.0fs\n",
		verdict, s.exercises, s.steps, s.seen, time.Since(s.start).Seconds())
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Logf("summary: %v", err)
	}
}

// dependOnSources reads the module's sources, so that go test's cache, which
// records the files a test opens, runs the exercises again when the labs
// they run change (the steps' own reads happen in other processes, which
// the cache cannot see).
func dependOnSources(t *testing.T, repo string) {
	t.Helper()
	err := filepath.WalkDir(repo, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || p == filepath.Join(repo, "out")) {
			return filepath.SkipDir
		}
		if n := d.Name(); !d.IsDir() && (strings.HasSuffix(n, ".go") || strings.HasSuffix(n, ".sql") || n == "go.mod" || n == "go.sum" || strings.HasSuffix(n, ".yaml")) {
			_, err = os.ReadFile(p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// runStep runs one step with bash -e in dir and returns what it printed
// (stdout and stderr in one file, so their order is kept), its exit status
// and its process group. Output goes to a file, not a pipe, so that a
// process the step leaves in the background cannot hold the step open.
func runStep(repo, dir string, s step) (string, int, int, error) {
	f, err := os.CreateTemp("", "workshop-step-*.out")
	if err != nil {
		return "", 0, 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), s.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", s.Script)
	cmd.Dir = dir
	// The report as a pipe gets it: no colour, no wrapping at a terminal's
	// width ($COLUMNS would set one), so checkpoints see whole lines.
	cmd.Env = append(withoutVar(os.Environ(), "COLUMNS"), "REPO="+repo, "NO_COLOR=1")
	cmd.Stdout, cmd.Stderr = f, f
	newGroup(cmd)
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	runErr := cmd.Run()
	pgid := 0
	if cmd.Process != nil {
		pgid = cmd.Process.Pid
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return "", 0, pgid, err
	}
	out := string(b)
	if ctx.Err() != nil {
		return out, 0, pgid, fmt.Errorf("still running after %s (timeout=%s on the fence raises it)", s.Timeout, s.Timeout)
	}
	var exitErr *exec.ExitError
	switch {
	case runErr == nil:
		return out, 0, pgid, nil
	case errors.As(runErr, &exitErr):
		return out, exitErr.ExitCode(), pgid, nil
	default:
		return out, 0, pgid, fmt.Errorf("bash: %w", runErr)
	}
}

func withoutVar(env []string, name string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

var needsOnce sync.Map // "docker"/"kind" → *needResult

func dockerProbe(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").CombinedOutput()
	if err != nil {
		return fmt.Errorf("no Docker engine answers (docker version: %s)", strings.TrimSpace(string(out)))
	}
	return nil
}

// kindProbe asks Docker what kind needs of it: an engine, and cgroup v2
// (kind's node image for Kubernetes 1.35 and later). It does not import the
// lab's full host check (labs/runtimes/kind), whose client-go dependencies
// would triple this test's build under -race; a host that passes this and
// still refuses privileged containers fails the step with kind's own words.
func kindProbe(ctx context.Context) error {
	if err := dockerProbe(ctx); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.CgroupVersion}}").Output()
	if err != nil {
		return fmt.Errorf("docker info: %w", err)
	}
	if v := strings.TrimSpace(string(out)); v != "2" {
		return fmt.Errorf("this Docker runs on cgroup v%s, and kind's node image needs cgroup v2", v)
	}
	return nil
}

type needResult struct {
	once   sync.Once
	reason string
}

// cannotRun says why a step that needs Docker or kind cannot run here, or
// "" when it can. Each check runs once per test binary.
func cannotRun(need string) string {
	if need == "" {
		return ""
	}
	v, _ := needsOnce.LoadOrStore(need, &needResult{})
	r := v.(*needResult)
	r.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var err error
		switch need {
		case "docker":
			err = dockerProbe(ctx)
		case "kind":
			err = kindProbe(ctx)
		}
		if err != nil {
			r.reason = fmt.Sprintf("needs %s: %v", need, err)
		}
	})
	return r.reason
}
