package workshop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrStepFailed is returned by [RunExercise] when a step ended with the
// wrong exit status, did not end, or missed its checkpoint.
var ErrStepFailed = errors.New("a step did not show its checkpoint")

// RoomDir is the folder under the clone repo where the exercises run:
// out/workshop (ignored by git; the labs find their sources by walking up
// from it).
func RoomDir(repo string) string { return filepath.Join(repo, "out", "workshop") }

// Folder is exercise ex's own folder: out/workshop/NN.
func Folder(repo string, ex Exercise) string { return filepath.Join(RoomDir(repo), ex.Number) }

// RunExercise runs every step of ex in dir, in order, as the workshop test
// does, printing each step's script (as $ and > lines, the way a shell
// echoes a paste), its output as it comes and a verdict line to w, and
// keeps what it did: the record (RecordFile) and the text it printed
// (LogFile) in dir. It stops at the first step with the wrong exit status
// or a missing checkpoint line (ErrStepFailed), and stops what the steps
// left running before it returns. dir must exist and should be empty. A
// step that names the exercise's own folder, "$REPO/out/workshop/NN" (the
// step 0 that empties and enters it), runs with dir in its place, so that
// a run elsewhere leaves the attendee's folder alone.
func RunExercise(ctx context.Context, repo string, ex Exercise, dir string, w io.Writer) (Record, error) {
	steps, err := ex.Steps()
	if err != nil {
		return Record{}, err
	}
	// The log is kept in memory and written after each step, like the
	// record: a step 0 that empties the folder removes both.
	var log bytes.Buffer
	w = io.MultiWriter(w, &log)
	rec := Record{Exercise: ex.Name, Started: time.Now()}
	var groups []int
	defer func() { StopGroups(groups) }()
	own := `"$REPO/` + filepath.ToSlash(filepath.Join("out", "workshop", ex.Number)) + `"`
	for i, s := range steps {
		fmt.Fprintf(w, "── %s, step %d of %d (%s.md line %d)\n%s", ex.Name, i+1, len(steps), ex.Name, s.Line, echoScript(s.Script))
		// A step that names the exercise's own folder (step 0 empties
		// and enters it) works on dir instead.
		s.Script = strings.ReplaceAll(s.Script, own, strconv.Quote(dir))
		run, ok := runOne(ctx, repo, dir, s, w)
		if run.Group != 0 {
			groups = append(groups, run.Group)
		}
		rec.Steps = append(rec.Steps, run)
		if err := writeRecord(dir, rec); err != nil {
			return rec, err
		}
		if err := os.WriteFile(filepath.Join(dir, LogFile), log.Bytes(), 0o644); err != nil {
			return rec, fmt.Errorf("the run's log: %w", err)
		}
		if !ok {
			return rec, fmt.Errorf("%s step %d (%s.md line %d): %w", ex.Name, i+1, ex.Name, s.Line, ErrStepFailed)
		}
	}
	return rec, nil
}

// runOne runs one step for RunExercise and prints its verdict line; ok is
// false when the run must stop.
func runOne(ctx context.Context, repo, dir string, s Step, w io.Writer) (StepRun, bool) {
	run := StepRun{Line: s.Line}
	if reason := CannotRun(ctx, s.Needs); reason != "" {
		run.Skipped = reason
		fmt.Fprintf(w, "– skipped: %s\n\n", reason)
		return run, true
	}
	began := time.Now()
	res, err := RunStep(ctx, repo, dir, s, w)
	run.Exit, run.Output, run.Group = res.Exit, res.Output, res.Group
	if res.Output != "" && !strings.HasSuffix(res.Output, "\n") {
		fmt.Fprintln(w)
	}
	took := time.Since(began).Seconds()
	if err != nil {
		run.Error = err.Error()
		fmt.Fprintf(w, "✗ %v\n\n", err)
		return run, false
	}
	miss := Missing(res.Output, s.Checkpoint)
	switch {
	case res.Exit != s.Exit:
		fmt.Fprintf(w, "✗ exited %d, want %d (%.1fs)\n\n", res.Exit, s.Exit, took)
		return run, false
	case len(miss) > 0:
		fmt.Fprintf(w, "✗ exit %d, but the checkpoint misses:\n    %s\n\n", res.Exit, strings.Join(miss, "\n    "))
		return run, false
	}
	if len(s.Checkpoint) == 0 {
		fmt.Fprintf(w, "✓ exit %d, no checkpoint (%.1fs)\n\n", res.Exit, took)
	} else {
		fmt.Fprintf(w, "✓ exit %d, checkpoint %d of %d lines (%.1fs)\n\n", res.Exit, len(s.Checkpoint), len(s.Checkpoint), took)
	}
	return run, true
}

// echoScript shows a script the way bash echoes a paste: $ before the first
// line, > before the others.
func echoScript(script string) string {
	var b strings.Builder
	for i, l := range strings.Split(strings.TrimRight(script, "\n"), "\n") {
		p := "> "
		if i == 0 {
			p = "$ "
		}
		b.WriteString(p + l + "\n")
	}
	return b.String()
}
