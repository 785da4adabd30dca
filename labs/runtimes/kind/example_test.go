package kind_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/bloglabs/posts/labs/runtimes/kind"
)

// Before anything is created, the runtime says whether kind can run here.
func ExampleCheckHost() {
	if err := kind.CheckHost(context.Background()); errors.Is(err, kind.ErrHost) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
}

// The lab's cluster, created if it does not exist and kept.
func ExampleUp() {
	created, err := kind.Up(context.Background(), kind.RaceCluster(kind.DefaultCluster), 0, os.Stderr)
	fmt.Println(created, err)
}
