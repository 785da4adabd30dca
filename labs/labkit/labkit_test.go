package labkit_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/internal/binaries"
	"github.com/bloglabs/posts/labs/labkit"
	"github.com/bloglabs/posts/labs/runtimes/process"
)

// A runtime under a name of its own: the process runtime renamed, which is
// all a table row needs to show that it is the one place a runtime is
// added.
type renamed struct{ *process.Runtime }

func (renamed) Name() string { return "renamed" }

// Adding a runtime is adding one row: the test's own runtime, given only
// as a row, passes the option checks, the preflight and the wiring, and
// the race lab runs on it to its verdict. (Before, a runtime was seven
// places in three files of the CLI.)
func TestAddARuntimeIsOneRow(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: builds demoapp, starts Postgres and runs replicas")
	}
	ctx := context.Background()
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := binaries.Build(ctx, root, bin, binaries.Demoapp); err != nil {
		t.Fatal(err)
	}
	table := labkit.Light()
	table.Runtimes = append(table.Runtimes, labkit.Runtime{ // the one place
		Name: "renamed",
		Help: "the process runtime under another name",
		New: func(_ context.Context, s labkit.Setup) (engine.Runtime, error) {
			return renamed{process.New(process.Options{BinDir: bin, RestartPolicy: s.Options.Restarts})}, nil
		},
	})
	res, err := table.Run(ctx, labkit.Race, labkit.Options{Runtime: "renamed", Postgres: labkit.Embedded, Replicas: 3})
	if err != nil {
		t.Fatalf("race on the new runtime: %v", err)
	}
	if res.Run == nil || res.Run.Runtime != "renamed" || !strings.HasPrefix(res.Run.Verdict, "race reproduced") {
		t.Fatalf("result %+v; want the race reproduced on runtime renamed", res.Run)
	}
}

// The options are checked against the table before anything starts: a
// name no row has is a usage-grade error that lists the table's names, and
// says when the full table has it.
func TestCheckNamesTheTablesRows(t *testing.T) {
	for _, tc := range []struct {
		o      labkit.Options
		want   string
		inFull bool
	}{
		{labkit.Options{Runtime: "vm"}, `runtime "vm": want process`, false},
		{labkit.Options{Runtime: labkit.Docker}, `runtime "docker" is in the full table`, true},
		{labkit.Options{Postgres: labkit.Testcontainers}, `postgres "testcontainers" is in the full table`, true},
		{labkit.Options{Postgres: "sqlite"}, `postgres "sqlite": want embedded or dsn`, false},
		{labkit.Options{Postgres: labkit.DSN, DSN: ""}, "postgres dsn: ", false},
		{labkit.Options{Replicas: -1}, "replicas -1", false},
	} {
		t.Setenv(labkit.EnvRuntime, "")
		t.Setenv(labkit.EnvPostgres, "")
		t.Setenv("LABS_POSTGRES_DSN", "")
		err := labkit.Light().Check(labkit.Race, tc.o)
		var nt *labkit.NotInTableError
		if !errors.Is(err, labkit.ErrOptions) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%+v) = %v; want ErrOptions saying %q", tc.o, err, tc.want)
		}
		if got := errors.As(err, &nt) && nt.InFull; got != tc.inFull {
			t.Errorf("Check(%+v): in the full table %v, want %v", tc.o, got, tc.inFull)
		}
	}
}
