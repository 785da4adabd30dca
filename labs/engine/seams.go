package engine

import (
	"context"
	"errors"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/spec"
)

// ErrNotShown is returned (wrapped, with the result) by Race, Fix and Compare
// when the lab did not show what it exists to show; its message says what
// happened instead.
var ErrNotShown = errors.New("the lab did not show what it exists to show")

// Runtime runs every replica of a Deployment, released together, until ctx
// is done, then stops them and returns. It reports what happens through sink,
// one call at a time. labs/runtimes/process, docker and kind implement it.
// A runtime may name each replica's pod itself (Event.Pod): the lab then
// reports and matches the database's records by that name.
type Runtime interface {
	Name() string
	Run(ctx context.Context, d spec.Deployment, sink func(runtimes.Event)) error
}

// Postgres is a running server a lab creates its databases on.
// labs/postgres/embedded, container and dsn implement it.
type Postgres interface {
	// Describe names the server for a report ("embedded PostgreSQL 15.14").
	Describe() string
	// CreateDatabase creates a database and returns its DSN.
	CreateDatabase(ctx context.Context, name string) (dsn string, err error)
	// AdminDSN connects to another database of the server, from which the
	// lab watches pg_stat_activity without being counted or waited for.
	AdminDSN() string
}
