package workshop

import (
	"fmt"
	"io"
	"regexp"
	"strings"
)

// State is what a check found for one step.
type State string

// The states of a step in a [Report].
const (
	Shown        State = "ok"            // exit status and every checkpoint line as expected
	Failed       State = "failed"        // ran, with the wrong exit status or no end
	Incomplete   State = "missing"       // checkpoint lines are missing from its output
	NotRun       State = "not run"       // the run stopped before it
	Skipped      State = "skipped"       // needs what the machine lacks
	NoCheckpoint State = "no checkpoint" // a terminal's text cannot show it ran
)

// StepVerdict is a check's finding for one step.
type StepVerdict struct {
	Step  Step
	State State
	// Note says more: the exit status, why it was skipped.
	Note    string
	Missing []string
	// Output is the step's own output, when the source has it per step.
	Output string
}

// Report is a check of one run of an exercise against its checkpoints.
type Report struct {
	Exercise Exercise
	// Source says what was checked: a run's record or a terminal's text.
	Source string
	Steps  []StepVerdict
	// Hint says what to do about the first problem ("" when none).
	Hint string
}

// OK reports whether every step showed what it should (skipped steps and
// steps without checkpoint aside).
func (r Report) OK() bool {
	_, bad := r.firstProblem()
	return !bad
}

func (r Report) firstProblem() (int, bool) {
	for i, v := range r.Steps {
		if v.Step.Extra {
			continue
		}
		switch v.State {
		case Failed, Incomplete, NotRun:
			return i, true
		}
	}
	return 0, false
}

// CheckRecord checks the record of a run (see [RunExercise]) against the
// exercise's steps.
func CheckRecord(ex Exercise, steps []Step, rec Record) Report {
	r := Report{Exercise: ex, Source: fmt.Sprintf("the run of %s", rec.Started.Local().Format("15:04:05, 2 Jan"))}
	for i, s := range steps {
		v := StepVerdict{Step: s}
		switch {
		case i >= len(rec.Steps):
			v.State = NotRun
		case rec.Steps[i].Skipped != "":
			v.State, v.Note = Skipped, rec.Steps[i].Skipped
		case rec.Steps[i].Error != "":
			v.State, v.Note, v.Output = Failed, rec.Steps[i].Error, rec.Steps[i].Output
		default:
			sr := rec.Steps[i]
			v.Output, v.Missing = sr.Output, Missing(sr.Output, s.Checkpoint)
			v.State, v.Note = Shown, fmt.Sprintf("exit %d", sr.Exit)
			if sr.Exit != s.Exit {
				v.State, v.Note = Failed, fmt.Sprintf("exited %d, want %d", sr.Exit, s.Exit)
			} else if len(v.Missing) > 0 {
				v.State = Incomplete
			}
		}
		r.Steps = append(r.Steps, v)
	}
	r.Hint = r.hint("")
	return r
}

// terminalNoise is what a terminal's text holds besides the output: escape
// sequences (colour, cursor, bracketed paste, titles) and carriage returns.
var terminalNoise = regexp.MustCompile("\x1b\\[[0-9;?]*[ -/]*[@-~]|\x1b\\][^\x07\x1b]*(\x07|\x1b\\\\)|\x1b[()][0-9A-Za-z]|\r")

// CheckText checks a terminal's text (what an attendee saw while pasting
// the steps, saved or recorded) against the exercise's checkpoints. The
// text has no step boundaries and no exit statuses: a step shows when every
// line of its checkpoint is somewhere in the text, whole or wrapped at the
// terminal's width ([MissingWrapped]). The steps after the last one that
// shows anything are not run yet.
func CheckText(ex Exercise, steps []Step, source, text string) Report {
	text = withoutInput(terminalNoise.ReplaceAllString(text, ""), steps)
	r := Report{Exercise: ex, Source: source}
	for _, s := range steps {
		v := StepVerdict{Step: s}
		switch {
		case len(s.Checkpoint) == 0:
			v.State = NoCheckpoint
		default:
			v.Missing = MissingWrapped(text, s.Checkpoint)
			v.State = Shown
			if len(v.Missing) > 0 {
				v.State = Incomplete
			}
		}
		r.Steps = append(r.Steps, v)
	}
	// The steps after the last one that shows anything are not in the
	// text at all: the attendee has not got there yet.
	for i := len(r.Steps) - 1; i >= 0; i-- {
		v := &r.Steps[i]
		if v.State == Shown || v.State == Incomplete && len(v.Missing) < len(v.Step.Checkpoint) {
			break
		}
		if v.State == Incomplete {
			v.State, v.Missing, v.Note = NotRun, nil, "not in the text yet"
		}
	}
	r.Hint = r.hint(text)
	return r
}

// withoutInput drops the lines of a terminal's text that echo what was
// typed or pasted — a prompt and a step's command line, or a continuation
// line — so that a checkpoint matches only what the steps printed ("bob ran
// the step" is also in the command that prints it). A text line is input
// when it ends with one of the steps' script lines (of 8 characters or
// more, so that "fi" or "done" in output stay).
func withoutInput(text string, steps []Step) string {
	var script []string
	for _, s := range steps {
		for _, l := range strings.Split(s.Script, "\n") {
			if l = normalize(l); len(l) >= 8 {
				script = append(script, l)
			}
		}
	}
	var kept []string
	for _, l := range strings.Split(text, "\n") {
		n := normalize(l)
		input := false
		for _, sl := range script {
			if strings.HasSuffix(n, sl) {
				input = true
				break
			}
		}
		if !input {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

// Write prints the report: a line per step, what is missing, the verdict
// and the hint.
func (r Report) Write(w io.Writer) error {
	var b strings.Builder
	file := r.Exercise.Name + ".md"
	fmt.Fprintf(&b, "workshop check %s — %s\n", r.Exercise.Name, r.Source)
	shown, counted := 0, 0
	for i, v := range r.Steps {
		mark := map[State]string{Shown: "✓", Failed: "✗", Incomplete: "✗", NotRun: "·", Skipped: "–", NoCheckpoint: "–"}[v.State]
		fmt.Fprintf(&b, "%s step %d (%s line %d): %s", mark, i+1, file, v.Step.Line, v.State)
		if v.Note != "" {
			fmt.Fprintf(&b, ", %s", v.Note)
		}
		if n := len(v.Step.Checkpoint); n > 0 && v.State != NotRun && v.State != Skipped {
			fmt.Fprintf(&b, "; checkpoint %d of %d lines", n-len(v.Missing), n)
		}
		if v.Step.Extra {
			b.WriteString(" (break it: beyond the goal)")
		}
		b.WriteString("\n")
		for _, m := range v.Missing {
			fmt.Fprintf(&b, "    missing: %s\n", m)
		}
		if v.Step.Extra || len(v.Step.Checkpoint) == 0 || v.State == Skipped {
			continue
		}
		counted++
		if v.State == Shown {
			shown++
		}
	}
	i, bad := r.firstProblem()
	switch {
	case !bad:
		fmt.Fprintf(&b, "verdict: on track — every step shows what %s says it should\n", file)
	case r.Steps[i].State == NotRun && i > 0:
		fmt.Fprintf(&b, "verdict: so far so good — %d of %d steps show their checkpoint, and the run stops before step %d (%s line %d)\n",
			shown, counted, i+1, file, r.Steps[i].Step.Line)
	default:
		fmt.Fprintf(&b, "verdict: not there yet — %d of %d steps show their checkpoint; the first problem is step %d (%s line %d)\n",
			shown, counted, i+1, file, r.Steps[i].Step.Line)
	}
	if r.Hint != "" {
		fmt.Fprintf(&b, "hint: %s\n", r.Hint)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
