package workshop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
)

const usage = `usage: workshop check NN [FILE|-] | run NN | reset | transcripts

The room tools of the workshop (docs/workshop), for an attendee who is lost
or behind. Exercise NN works in the clone's out/workshop/NN.

  check NN   what your last run of exercise NN shows against its
             checkpoints: a line per step, what is missing, and a hint.
             It reads the newest of: out/workshop/NN-terminal.txt (your
             terminal's text: a recording, script -q out/workshop/NN-terminal.txt,
             or the text you saved or pasted there) and the record of the
             last "run NN"; or FILE (- for stdin). Exit 1 when a step is off.
  run NN     runs every step of exercise NN for you in out/workshop/NN
             (after stopping what ran there and clearing it), printing each
             step and its output, so you can catch up and join the
             discussion; stops at the first step that is off. Exit 1 then.
  reset      stops the throwaway servers and processes the exercises
             started (their PID files, the runs' records, dsn.txt) and
             removes out/workshop.
  transcripts  runs every exercise and writes its full output to
             docs/workshop/transcripts/NN.txt (for a laptop that fails).

The projector pack is built by another command, workshopslides, so that
this one needs nothing but the standard library (a room is often offline).`

// Run is the workshop command: args are what follows its name.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("workshop", usage)
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	args = fs.Args()
	if len(args) == 0 {
		return cli.Usagef("say what to do: check NN, run NN, reset or transcripts")
	}
	root, err := repo.Root()
	if err != nil {
		return err
	}
	kit := filepath.Join(root, "docs", "workshop")
	switch cmd, rest := args[0], args[1:]; cmd {
	case "check", "run":
		if len(rest) == 0 || len(rest) > 1 && cmd == "run" || len(rest) > 2 {
			return cli.Usagef("%s takes an exercise's number, e.g. %s 04", cmd, cmd)
		}
		ex, err := FindExercise(kit, rest[0])
		if err != nil {
			return cli.Usagef("%v", err)
		}
		if cmd == "run" {
			return catchUp(ctx, root, ex, streams.Out)
		}
		return check(root, ex, rest[1:], streams)
	case "reset":
		return Reset(ctx, RoomDir(root), streams.Out)
	case "transcripts":
		return WriteTranscripts(ctx, root, filepath.Join(kit, "transcripts"), streams.Err)
	}
	return cli.Usagef("unknown command %q: check NN, run NN, reset or transcripts", args[0])
}

// ErrOff is returned when a check finds a step that is off (exit status 1).
var ErrOff = errors.New("not every step shows its checkpoint")

// ExitCode maps Run's error to the command's exit status: 0 for nil, 64 for
// a usage error, 1 for anything else (a check or a run that found a step
// off, a reset that could not stop something).
func ExitCode(err error) int { return cli.ExitCode(err, 1) }

func catchUp(ctx context.Context, root string, ex Exercise, w io.Writer) error {
	dir := Folder(root, ex)
	if err := Reset(ctx, dir, w); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("the exercise's folder: %w", err)
	}
	fmt.Fprintf(w, "running every step of %s in %s\n\n", ex.Name, dir)
	_, err := RunExercise(ctx, root, ex, dir, w)
	fmt.Fprintf(w, "the files are in %s; go tool mage workshop:check %s reads this run\n", dir, ex.Number)
	return err
}

// TerminalFile is where an attendee's terminal text for exercise ex goes.
func TerminalFile(root string, ex Exercise) string {
	return filepath.Join(RoomDir(root), ex.Number+"-terminal.txt")
}

func check(root string, ex Exercise, from []string, streams cli.Streams) error {
	steps, err := ex.Steps()
	if err != nil {
		return err
	}
	r, err := checkSource(root, ex, steps, from, streams.In)
	if err != nil {
		return err
	}
	if err := r.Write(streams.Out); err != nil {
		return err
	}
	if !r.OK() {
		return ErrOff
	}
	return nil
}

// checkSource picks what to check: FILE or stdin when given, else the newer
// of the terminal text and the last run's record.
func checkSource(root string, ex Exercise, steps []Step, from []string, stdin io.Reader) (Report, error) {
	if len(from) == 1 {
		var b []byte
		var err error
		if from[0] == "-" {
			b, err = io.ReadAll(stdin)
		} else {
			b, err = os.ReadFile(from[0])
		}
		if err != nil {
			return Report{}, fmt.Errorf("check: %w", err)
		}
		return CheckText(ex, steps, "the terminal text in "+from[0], string(b)), nil
	}
	term := TerminalFile(root, ex)
	dir := Folder(root, ex)
	var termTime, recTime time.Time
	if fi, err := os.Stat(term); err == nil {
		termTime = fi.ModTime()
	}
	if fi, err := os.Stat(filepath.Join(dir, RecordFile)); err == nil {
		recTime = fi.ModTime()
	}
	switch {
	case !termTime.IsZero() && termTime.After(recTime):
		b, err := os.ReadFile(term)
		if err != nil {
			return Report{}, fmt.Errorf("check: %w", err)
		}
		return CheckText(ex, steps, "your terminal's text in "+term, string(b)), nil
	case !recTime.IsZero():
		rec, err := ReadRecord(dir)
		if err != nil {
			return Report{}, fmt.Errorf("check: %w", err)
		}
		return CheckRecord(ex, steps, rec), nil
	}
	return Report{}, fmt.Errorf("check: no run of %s to read: record your terminal while you paste the steps (mkdir -p %s && script -q %s; exit ends it), or save its text there, or let go tool mage workshop:run %s run them", ex.Name, filepath.Dir(term), term, ex.Number)
}
