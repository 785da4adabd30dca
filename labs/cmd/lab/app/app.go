package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/labkit"
	"github.com/bloglabs/posts/labs/live"
)

// Exit statuses besides cli's 0 (shown, or --help) and 64 (usage).
const (
	// ExitNotShown: the lab ran but did not show what it exists to show
	// ([engine.ErrNotShown]); the message says what happened instead.
	ExitNotShown = 1
	// ExitCannotRun: the lab could not run (no PostgreSQL binaries, a
	// build failure, no Docker engine, a host kind cannot run on, ...).
	ExitCannotRun = 3
)

// ExitCode maps [Run]'s error to the process's exit status: 0 the lab showed
// what it exists to show (or --help), [ExitNotShown], [cli.ExitUsage] for a
// bad command line, [ExitCannotRun] for anything else; the full build's own
// status when it ran ([*ExitStatusError]).
func ExitCode(err error) int {
	var st *ExitStatusError
	switch {
	case errors.As(err, &st):
		return st.Code
	case errors.Is(err, engine.ErrNotShown):
		return ExitNotShown
	}
	return cli.ExitCode(err, ExitCannotRun)
}

// Report prints err as main does, in one line, unless the full build ran
// and has said it already.
func Report(w io.Writer, err error) {
	var st *ExitStatusError
	if !errors.As(err, &st) {
		cli.Report(w, "lab", err)
	}
}

// Verb is a subcommand besides the labs, in the one CLI shape.
type Verb = func(ctx context.Context, streams cli.Streams, args []string) error

// FullVerbs are the subcommands only the full build has (labs/labkit/full's
// Verbs): cluster (kind's up and down) and image (build the lab image).
func FullVerbs() []string { return []string{"cluster", "image"} }

// Command is the lab command over a table of runtimes and providers.
type Command struct {
	Table labkit.Table
	// Verbs are its subcommands besides the labs.
	Verbs map[string]Verb
	// Full, when set, runs the same arguments in the full build: called
	// when they name a runtime, a provider or a verb only it has.
	Full Verb
}

// Light is the command as `go run ./labs/cmd/lab` builds it: the light
// table, and the full build for the rest ([RunFull]).
func Light() Command { return Command{Table: labkit.Light(), Full: RunFull} }

// Run is the command as this build has it ([Light] by default; every row
// with the build tag labsfull): args are a lab's name and its flags, or a
// verb. The report goes to streams.Out, progress to streams.Err.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	return built().Run(ctx, streams, args)
}

// Run is the command: args are a lab's name and its flags, or a verb.
func (c Command) Run(ctx context.Context, streams cli.Streams, args []string) error {
	if len(args) == 0 {
		return cli.Usagef("name a lab: race, fix or compare")
	}
	name, rest := args[0], args[1:]
	if name == "view" {
		return view(ctx, streams, rest)
	}
	if v, ok := c.Verbs[name]; ok {
		return v(ctx, streams, rest)
	}
	switch {
	case slices.Contains(FullVerbs(), name) && c.Full != nil:
		return c.Full(ctx, streams, args)
	case name == "help" || name == "-h" || name == "--help":
		cli.PrintUsage(c.newFlagSet(&flags{}), streams.Out)
		return cli.ErrHelp
	case !labkit.Lab(name).Known():
		return cli.Usagef("unknown lab %q: want race, fix or compare", name)
	}
	f, err := c.parseFlags(rest, streams)
	if err != nil {
		return err
	}
	lab := labkit.Lab(name)
	var nt *labkit.NotInTableError
	switch err := c.Table.Check(lab, f.Options); {
	case errors.As(err, &nt) && nt.InFull && c.Full != nil:
		return c.Full(ctx, streams, args)
	case err != nil:
		return cli.Usagef("%v", err)
	}
	f.Progress = streams.Err
	var res labkit.Result
	if addr := live.Addr(f.Live); addr != "" {
		res, err = c.runLive(ctx, streams, addr, lab, f.Options)
	} else {
		res, err = c.Table.Run(ctx, lab, f.Options)
	}
	return writeReport(streams, f, res, err)
}

// writeReport writes the lab's report, and its JSON and chart when asked,
// whatever the verdict; it returns the lab's error.
func writeReport(streams cli.Streams, f flags, res labkit.Result, labErr error) error {
	v := res.Value()
	if v == nil {
		return labErr
	}
	fmt.Fprintln(streams.Out)
	text := textFor(streams.Out, f.Color, f.Width)
	var err error
	if res.Comparison != nil {
		err = text.WriteComparison(streams.Out, res.Comparison)
	} else {
		err = text.WriteResult(streams.Out, res.Run)
	}
	if err != nil {
		return err
	}
	if f.JSONFile != "" {
		if err := writeJSON(f.JSONFile, streams.Out, v); err != nil {
			return err
		}
	}
	if f.SVGFile != "" {
		if err := writeSVG(f.SVGFile, v); err != nil {
			return err
		}
	}
	return labErr
}
