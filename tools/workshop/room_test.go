package workshop

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/internal/cli"
)

// kit is the workshop's folder, and repoRoot the clone, from this package.
func kit(t *testing.T) string {
	t.Helper()
	return filepath.Join(repoRoot(t), "docs", "workshop")
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// runDir is a fresh folder under the clone's out/workshop (the steps' go
// build needs the module around them), removed with what runs from it.
func runDir(t *testing.T, name string) string {
	t.Helper()
	base := RoomDir(repoRoot(t))
	if err := os.MkdirAll(base, 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(base, "test-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := Reset(context.Background(), dir, &bytes.Buffer{}); err != nil {
			t.Error(err)
		}
	})
	return dir
}

func exercise(t *testing.T, n string) (Exercise, []Step) {
	t.Helper()
	ex, err := FindExercise(kit(t), n)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := ex.Steps()
	if err != nil {
		t.Fatal(err)
	}
	return ex, steps
}

// A real run of exercise 04 (the most steps, a server and background
// processes): check finds every step shown, from the run's record and from
// its printed text as a terminal would hold it; and with a step's output
// gone from the text, check names that step and what it misses.
func TestCheckGoodRun(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs exercise 04 for real (a throwaway PostgreSQL, about 25 s)")
	}
	needBash(t)
	t.Parallel()
	ex, steps := exercise(t, "04")
	dir := runDir(t, "04")
	var out bytes.Buffer
	rec, err := RunExercise(t.Context(), repoRoot(t), ex, dir, &out)
	if err != nil {
		t.Fatalf("RunExercise: %v\n%s", err, out.String())
	}
	read, err := ReadRecord(dir)
	if err != nil || len(read.Steps) != len(rec.Steps) {
		t.Fatalf("ReadRecord: %v, %d steps; want the %d the run kept", err, len(read.Steps), len(rec.Steps))
	}
	r := CheckRecord(ex, steps, read)
	var report bytes.Buffer
	_ = r.Write(&report)
	if !r.OK() || !strings.Contains(report.String(), "verdict: on track") || r.Hint != "" {
		t.Errorf("check of a good run:\n%s", report.String())
	}
	log, err := os.ReadFile(filepath.Join(dir, LogFile))
	if err != nil {
		t.Fatal(err)
	}
	// A terminal's text: CRLF line ends, a coloured prompt, bracketed paste.
	term := "\x1b[?2004h\x1b[01;32mme@laptop\x1b[00m:~$ " + strings.ReplaceAll(string(log), "\n", "\r\n")
	if r := CheckText(ex, steps, "a terminal", term); !r.OK() {
		var b bytes.Buffer
		_ = r.Write(&b)
		t.Errorf("check of the good run's terminal text:\n%s", b.String())
	}
	// The same text without bob's output in step 5, up to step 6: bob
	// never ran (the optional freeze, step 7, prints the same line, so the
	// text ends before it).
	cut, _, _ := strings.Cut(string(log), "── "+ex.Name+", step 7 of")
	cut = strings.Replace(cut, "bob ran the step\n", "", 1)
	bad := CheckText(ex, steps, "a terminal", cut)
	if bad.OK() || bad.Steps[4].State != Incomplete || len(bad.Steps[4].Missing) != 1 || bad.Steps[4].Missing[0] != "bob ran the step" {
		t.Errorf("check without bob's output: step 5 %+v; want it missing %q", bad.Steps[4], "bob ran the step")
	}
	if !strings.Contains(bad.Hint, "step 5 (04-takeover.md line") {
		t.Errorf("hint %q: want it to point at step 5", bad.Hint)
	}
}

// A real run that goes wrong the way it does in a room: REPO names no clone,
// so the first step's go build fails. The run stops there, and check says
// step 1 failed with its status, the rest did not run, and how to fix REPO.
func TestCheckWrongRun(t *testing.T) {
	needBash(t)
	t.Parallel()
	ex, steps := exercise(t, "04")
	dir := runDir(t, "04-wrong")
	var out bytes.Buffer
	_, err := RunExercise(t.Context(), t.TempDir(), ex, dir, &out)
	if !errors.Is(err, ErrStepFailed) {
		t.Fatalf("RunExercise with a REPO that is no clone: %v, want ErrStepFailed\n%s", err, out.String())
	}
	rec, err := ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := CheckRecord(ex, steps, rec)
	if r.OK() || r.Steps[0].State != Failed || r.Steps[0].Note != "exited 1, want 0" {
		t.Errorf("step 1: %+v; want failed, exited 1", r.Steps[0])
	}
	for i, v := range r.Steps[1:] {
		if v.State != NotRun {
			t.Errorf("step %d: %s, want not run", i+2, v.State)
		}
	}
	if !strings.Contains(r.Hint, "REPO does not name your clone") || !strings.Contains(r.Hint, "workshop:run 04") {
		t.Errorf("hint %q: want the REPO fix and the catch-up", r.Hint)
	}
	// The command's view of the same run's text, as a terminal holds it
	// (without exit statuses, a one-word checkpoint can match an error
	// message, so which step is first off may differ): the same verdict and
	// hint.
	var stdout bytes.Buffer
	err = Run(t.Context(), cli.Streams{Out: &stdout, Err: &stdout}, []string{"check", "4", filepath.Join(dir, LogFile)})
	if !errors.Is(err, ErrOff) || !strings.Contains(stdout.String(), "verdict: not there yet") || !strings.Contains(stdout.String(), "hint: REPO does not name your clone") {
		t.Errorf("workshop check 4 FILE: %v\n%s", err, stdout.String())
	}
}

// An attendee's terminal, recorded the way facilitator.md says (script -q
// FILE, then the steps pasted into the shell it starts): check reads the
// recording — prompts, echoed input, escape sequences and all — and finds
// every step of exercise 04 shown.
func TestCheckRecordedTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs exercise 04 for real in a recorded shell (about 25 s)")
	}
	needBash(t)
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not on PATH")
	}
	t.Parallel()
	ex, steps := exercise(t, "04")
	dir := runDir(t, "04-script")
	// Step 0 enters the exercise's own folder, out/workshop/04, which the
	// other tests' runs of 04 empty as they start: the recorded shell works
	// in a folder of its own instead (beside the recording, which step 0
	// would empty away with the folder).
	own := `"$REPO/` + filepath.ToSlash(filepath.Join("out", "workshop", ex.Number)) + `"`
	var paste strings.Builder
	for _, s := range steps {
		paste.WriteString(strings.ReplaceAll(s.Script, own, strconv.Quote(filepath.Join(dir, "work"))))
	}
	paste.WriteString("exit\n")
	rec := filepath.Join(dir, "terminal.txt")
	// A shell that never reaches the exit fails the test, not the package.
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, script, "-q", rec)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SHELL=/bin/bash", "REPO="+repoRoot(t))
	cmd.Stdin = strings.NewReader(paste.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("script -q: %v\n%s", err, out)
	}
	text, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	r := CheckText(ex, steps, "a recording", string(text))
	var b bytes.Buffer
	_ = r.Write(&b)
	if !r.OK() {
		t.Errorf("check of a recorded terminal:\n%s\n--- the recording\n%s", b.String(), text)
	}
}

// A step 0 that empties and enters the exercise's own folder works on the
// run's folder instead, and the run's log and record survive it.
func TestRunExerciseOwnFolder(t *testing.T) {
	needBash(t)
	t.Parallel()
	kitDir := t.TempDir()
	src := "```sh\nrm -rf \"$REPO/out/workshop/97\" && mkdir -p \"$REPO/out/workshop/97\" && cd \"$REPO/out/workshop/97\" && touch entered\n```\n\n" +
		"```sh\nls\n```\n\n```text\nentered\n```\n"
	if err := os.WriteFile(filepath.Join(kitDir, "97-own-folder.md"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ex, err := FindExercise(kitDir, "97")
	if err != nil {
		t.Fatal(err)
	}
	dir := runDir(t, "97")
	var out bytes.Buffer
	if _, err := RunExercise(t.Context(), repoRoot(t), ex, dir, &out); err != nil {
		t.Fatalf("RunExercise: %v\n%s", err, out.String())
	}
	if _, err := os.Stat(filepath.Join(RoomDir(repoRoot(t)), "97")); !os.IsNotExist(err) {
		t.Errorf("out/workshop/97: %v; the run should have left the exercise's own folder alone", err)
	}
	log, err := os.ReadFile(filepath.Join(dir, LogFile))
	if err != nil || !strings.Contains(string(log), "step 2 of 2") || !strings.Contains(string(log), `$ rm -rf "$REPO/out/workshop/97"`) {
		t.Errorf("the log after step 0 emptied the folder: %v\n%s", err, log)
	}
	if rec, err := ReadRecord(dir); err != nil || len(rec.Steps) != 2 {
		t.Errorf("the record after step 0 emptied the folder: %v, %+v", err, rec)
	}
}

// An attendee's terminal at 80 columns, where the lab wraps its report
// (testdata: exercise 02's steps 0 and 1 from a real run at --width 80):
// the wrapped header and database check still show step 1's checkpoint,
// which the strict matcher misses; the steps after it are not run yet, and
// the verdict says the run is on course so far, not that they are wrong.
func TestCheckTextWrappedAndStoppedEarly(t *testing.T) {
	t.Parallel()
	ex, steps := exercise(t, "02")
	text, err := os.ReadFile(filepath.Join("testdata", "02-fix-80-columns.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if m := Missing(string(text), steps[1].Checkpoint); len(m) == 0 {
		t.Fatalf("the strict matcher finds all of step 2's checkpoint in the wrapped text; the fixture no longer wraps")
	}
	r := CheckText(ex, steps, "a terminal", string(text))
	var b bytes.Buffer
	_ = r.Write(&b)
	for i, want := range []State{Shown, Shown, NotRun, NotRun} {
		if i < len(r.Steps) && r.Steps[i].State != want {
			t.Errorf("step %d: %s, want %s\n%s", i+1, r.Steps[i].State, want, b.String())
		}
	}
	for _, want := range []string{"verdict: so far so good — 2 of 4 steps show their checkpoint, and the run stops before step 3",
		"hint: the run stopped before step 3"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
