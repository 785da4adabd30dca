package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// ExitUsage is the exit status of a usage error (BSD sysexits' EX_USAGE).
const ExitUsage = 64

// Streams are a command's standard streams; tests pass buffers.
type Streams struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
}

// OS returns the process's own streams.
func OS() Streams { return Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr} }

// ErrHelp is returned by [Parse] (and so by a command's Run) when the user
// asked for help; the usage has been printed on stdout. It maps to exit 0.
var ErrHelp = flag.ErrHelp

// UsageError is a bad command line: a bad flag, a missing or extra argument,
// an invalid value. It maps to [ExitUsage].
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a [UsageError].
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// IsUsage reports whether err is (or wraps) a [UsageError].
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}

// NewFlagSet returns a flag set that reports errors to [Parse] instead of
// printing them, and whose usage is the given text followed by the flags'
// defaults.
func NewFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		out := fs.Output()
		fmt.Fprint(out, usage)
		if usage != "" && usage[len(usage)-1] != '\n' {
			fmt.Fprintln(out)
		}
		// A flag set without flags (a command list) ends at its usage: a
		// heading over nothing reads as output cut off (issue 21).
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(out, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// Parse parses args into fs. On -h/--help it prints fs's usage on streams.Out
// and returns [ErrHelp]; on a bad flag it returns a [UsageError] naming it.
func Parse(fs *flag.FlagSet, args []string, streams Streams) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		PrintUsage(fs, streams.Out)
		return ErrHelp
	default:
		return &UsageError{Msg: err.Error()}
	}
}

// PrintUsage prints fs's usage on w.
func PrintUsage(fs *flag.FlagSet, w io.Writer) {
	old := fs.Output()
	fs.SetOutput(w)
	fs.Usage()
	fs.SetOutput(old)
}

// ExitCode is the part of every command's exit-code mapping that is the same
// everywhere: 0 for nil and [ErrHelp], [ExitUsage] for a [UsageError], and
// fallback for anything else. Commands map their own sentinels first.
func ExitCode(err error, fallback int) int {
	switch {
	case err == nil, errors.Is(err, ErrHelp):
		return 0
	case IsUsage(err):
		return ExitUsage
	default:
		return fallback
	}
}

// Report prints err the one way every command does, "NAME: ERROR", adding a
// pointer to --help for usage errors; nil and [ErrHelp] print nothing.
func Report(w io.Writer, name string, err error) {
	switch {
	case err == nil, errors.Is(err, ErrHelp):
	case IsUsage(err):
		fmt.Fprintf(w, "%s: %v (see %s --help)\n", name, err, name)
	default:
		fmt.Fprintf(w, "%s: %v\n", name, err)
	}
}
