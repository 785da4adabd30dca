package runonce_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/runonce"
	"github.com/bloglabs/posts/tools/pgtemp/pgtest"
)

// A Go program that installs its schema at start-up (with goose, say) wraps
// the install in Do: however many replicas start together, it runs once per
// version, and the replicas that did not run it return after it succeeded.
func ExampleDo() {
	cfg, err := pgx.ParseConfig(exampleDSN()) // e.g. os.Getenv("DATABASE_URL")
	if err != nil {
		panic(err)
	}
	opts := runonce.Options{
		Name:    "schema",
		Version: "v1.4.2", // the image tag: a new tag migrates once more
		Logger:  slog.New(slog.DiscardHandler),
	}
	for replica := range 3 {
		res, err := runonce.Do(context.Background(), cfg, opts, func(ctx context.Context) error {
			fmt.Println("migrating") // goose.UpContext(ctx, db, dir), for instance
			return nil
		})
		if err != nil {
			panic(err)
		}
		fmt.Printf("replica %d: ran=%v skipped=%v\n", replica, res.Ran, res.Skipped)
	}
	// Output:
	// migrating
	// replica 0: ran=true skipped=false
	// replica 1: ran=false skipped=true
	// replica 2: ran=false skipped=true
}

// exampleDSN is a fresh database on the test package's server.
func exampleDSN() string { return pgtest.ExampleDB("example_do") }
