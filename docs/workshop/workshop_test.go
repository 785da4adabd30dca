package workshop

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bloglabs/posts/tools/workshop"
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
			steps := readSteps(t, f)
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
		steps, err := workshop.ParseSteps(string(src))
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

func runExercise(t *testing.T, repo, file string, steps []workshop.Step, sum *summary) {
	dir := workDir(t, repo, file)
	var groups []int
	// Stop what the steps left in the background (a throwaway Postgres, a
	// waiting replica), even when a step failed.
	t.Cleanup(func() { workshop.StopGroups(groups) })
	start := time.Now()
	matched := 0
	for i, s := range steps {
		name := fmt.Sprintf("%s:%d (step %d)", file, s.Line, i+1)
		if reason := workshop.CannotRun(t.Context(), s.Needs); reason != "" {
			sum.logf(t, "%s skipped: %s", name, reason)
			continue
		}
		if s.ID == workshop.EnterID {
			s = inFolder(t, s, file, dir)
		}
		began := time.Now()
		res, err := workshop.RunStep(t.Context(), repo, dir, s, nil)
		if res.Group != 0 {
			groups = append(groups, res.Group)
		}
		if err != nil {
			t.Fatalf("%s: %v\n--- output\n%s", name, err, res.Output)
		}
		if res.Exit != s.Exit {
			t.Fatalf("%s exited %d, want %d\n--- script\n%s--- output\n%s", name, res.Exit, s.Exit, s.Script, res.Output)
		}
		if miss := workshop.Missing(res.Output, s.Checkpoint); len(miss) > 0 {
			t.Fatalf("%s: checkpoint lines missing from the output:\n  %s\n--- output\n%s", name, strings.Join(miss, "\n  "), res.Output)
		}
		for _, c := range s.Claims {
			if err := c.Check(res.Output); err != nil {
				t.Fatalf("%s: the prose claims what the step's output contradicts: %v\n--- output\n%s", name, err, res.Output)
			}
		}
		matched += len(s.Checkpoint)
		sum.logf(t, "%s: exit %d, %d checkpoint lines matched, %d claims held, %.1fs", name, res.Exit, len(s.Checkpoint), len(s.Claims), time.Since(began).Seconds())
	}
	sum.logf(t, "%s: %d steps, %d checkpoint lines matched, %.1fs", file, len(steps), matched, time.Since(start).Seconds())
	sum.add(len(steps), matched)
}

// inFolder makes step 0 enter the test's fresh working directory instead
// of the attendee's folder under the clone (which a developer's own walk
// through the workshop may be using): the same script, with that one path
// replaced.
func inFolder(t *testing.T, s workshop.Step, file, dir string) workshop.Step {
	t.Helper()
	attendee := `"$REPO/` + workshop.EnterDir(strings.TrimSuffix(file, ".md")) + `"`
	if !strings.Contains(s.Script, attendee) {
		t.Fatalf("%s: step 0 (line %d) does not name the folder %s: it would run in the attendee's folder", file, s.Line, attendee)
	}
	s.Script = strings.ReplaceAll(s.Script, attendee, strconv.Quote(dir))
	return s
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
