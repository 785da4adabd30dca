// Command cisim simulates CI jobs on Kubernetes node pools; see package cisim.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/bloglabs/posts/ci-preemptible/cisim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := cisim.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "cisim:", err)
	}
	os.Exit(cisim.ExitCode(err))
}
