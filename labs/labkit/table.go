package labkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/tools/doctor"
)

// Table is the runtimes and Postgres providers a program can run labs on,
// each a row that says everything about it.
type Table struct {
	Runtimes  []Runtime
	Providers []Provider
}

// Runtime is a row of the runtime table.
type Runtime struct {
	Name RuntimeName
	// Help says in a line what it is and which [Options] it reads; the
	// CLI's usage and --runtime's help list it.
	Help string
	// Checks are the doctor's checks it needs before anything is built or
	// started (every row gets the free-disk check).
	Checks []doctor.Check
	// CheckHost, when set, says before the doctor's checks whether the
	// runtime runs on this OS at all.
	CheckHost func() error
	// New builds what the replicas run and returns the runtime. A runtime
	// may also be a [Preparer], a [Router] and an [io.Closer].
	New func(ctx context.Context, s Setup) (engine.Runtime, error)
	// CheckRoute, when set, checks once Postgres runs that the replicas of
	// r (the runtime New returned) can reach it, before the lab starts.
	CheckRoute func(r engine.Runtime, s Setup, pg runtimes.Backend) error
}

// Provider is a row of the Postgres provider table.
type Provider struct {
	Name ProviderName
	// Help says in a line what it is and which [Options] it reads.
	Help string
	// Checks are the doctor's checks it needs.
	Checks []doctor.Check
	// Validate, when set, checks the options it needs; its errors wrap
	// [ErrOptions].
	Validate func(o Options) error
	// Start starts, or opens, the server; network is the container network
	// the runtime prepared ([Preparer]), "" when none.
	Start func(ctx context.Context, s Setup, network string) (Server, error)
}

// Setup is what a row's constructor is given: the lab, its options with
// their defaults filled in, and where progress goes.
type Setup struct {
	Lab      Lab
	Options  Options
	Progress io.Writer
}

// Server is a running Postgres as a lab uses it: the engine's seam, the
// address runtimes route replicas to, and an end.
type Server interface {
	engine.Postgres
	Backend() runtimes.Backend
	Stop() error
}

// Preparer is a runtime prepared before Postgres starts (its network
// first, so that a Postgres container starts on it).
type Preparer interface {
	Prepare(ctx context.Context) error
	Network() string
}

// Router is a runtime told, once Postgres runs, where it is.
type Router interface {
	AddBackends(b ...runtimes.Backend)
}

// ErrOptions is wrapped by the errors of [Table.Run] and [Table.Check]
// when the options are wrong (a name no row has, a missing DSN, ...).
var ErrOptions = errors.New("bad lab options")

// OptionError is an error of [Table.Check] (wrapping [ErrOptions]): what
// is wrong with the options, in their terms.
type OptionError struct{ Msg string }

func (e *OptionError) Error() string { return e.Msg }

func (e *OptionError) Unwrap() error { return ErrOptions }

func optionErrorf(format string, a ...any) error {
	return &OptionError{Msg: fmt.Sprintf(format, a...)}
}

// NotInTableError is the error of [Table.Check] (wrapping [ErrOptions])
// when a runtime or provider has no row in the table.
type NotInTableError struct {
	// What is "runtime" or "postgres".
	What, Name string
	// Have are the table's names for it.
	Have []string
	// InFull: labs/labkit/full's table has it ([FullOnly]).
	InFull bool
}

func (e *NotInTableError) Error() string {
	if e.InFull {
		return fmt.Sprintf("%s %q is in the full table (labs/labkit/full), not in this one (%s)", e.What, e.Name, orList(e.Have))
	}
	return fmt.Sprintf("%s %q: want %s", e.What, e.Name, orList(e.Have))
}

func (e *NotInTableError) Unwrap() error { return ErrOptions }

// Runtime is the row named n.
func (t Table) Runtime(n RuntimeName) (Runtime, bool) {
	i := slices.IndexFunc(t.Runtimes, func(r Runtime) bool { return r.Name == n })
	if i < 0 {
		return Runtime{}, false
	}
	return t.Runtimes[i], true
}

// Provider is the row named n.
func (t Table) Provider(n ProviderName) (Provider, bool) {
	i := slices.IndexFunc(t.Providers, func(p Provider) bool { return p.Name == n })
	if i < 0 {
		return Provider{}, false
	}
	return t.Providers[i], true
}

// RuntimeNames are the runtimes' names, in the table's order.
func (t Table) RuntimeNames() []string {
	out := make([]string, len(t.Runtimes))
	for i, r := range t.Runtimes {
		out[i] = string(r.Name)
	}
	return out
}

// ProviderNames are the providers' names, in the table's order.
func (t Table) ProviderNames() []string {
	out := make([]string, len(t.Providers))
	for i, p := range t.Providers {
		out[i] = string(p.Name)
	}
	return out
}

// orList is "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
