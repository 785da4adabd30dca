package lab_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bloglabs/labs/labs/lab"
	"github.com/bloglabs/labs/labs/postgres/embedded"
	"github.com/bloglabs/labs/labs/report"
	"github.com/bloglabs/labs/labs/runtime/process"
)

// The race lab as a library: a runtime, a Postgres, a report. BinDir must
// hold the demoapp binary (labcli builds it).
func ExampleRace() {
	ctx := context.Background()
	pg, err := embedded.Start(ctx, embedded.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer pg.Stop()
	res, err := lab.Race(ctx, lab.Config{
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
