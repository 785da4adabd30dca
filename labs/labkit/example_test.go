package labkit_test

import (
	"context"
	"fmt"
	"os"

	"github.com/bloglabs/posts/labs/labkit"
	"github.com/bloglabs/posts/labs/report"
)

// The race lab as one call: the light table, a lab, options whose zero
// values are the defaults (process runtime, embedded PostgreSQL, 5
// replicas).
func ExampleTable_Run() {
	res, err := labkit.Light().Run(context.Background(), labkit.Race, labkit.Options{Progress: os.Stderr})
	if res.Run != nil {
		_ = report.Text{}.WriteResult(os.Stdout, res.Run)
	}
	if err != nil {
		fmt.Println(err)
	}
}
