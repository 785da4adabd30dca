package engine_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/postgres/embedded"
	"github.com/bloglabs/posts/labs/report"
	"github.com/bloglabs/posts/labs/runtimes/process"
)

// The race lab as a library: a runtime, a Postgres, a report. BinDir must
// hold the demoapp binary (the lab CLI builds it).
func ExampleRace() {
	ctx := context.Background()
	pg, err := embedded.Start(ctx, embedded.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pg.Stop()
	res, err := engine.Race(ctx, engine.Config{
		Runtime:  process.New(process.Options{BinDir: "/path/to/bin"}),
		Postgres: pg,
		Replicas: 5,
		Progress: os.Stderr,
	})
	if res != nil {
		_ = report.Text{}.WriteResult(os.Stdout, res)
	}
	if err != nil {
		fmt.Println(err)
	}
}
