package controlplane

import (
	"context"
	"fmt"
	"io"
)

// Serve builds the binaries if the cache lacks them, starts a control
// plane, writes `export KUBECONFIG=<file>` (and a kubectl alias for the
// kubectl built with it) to w, and keeps it up until ctx ends (Ctrl-C), then
// stops it and removes its files. It is `go tool mage cluster:local`.
func Serve(ctx context.Context, w io.Writer, opts Options) error {
	if opts.Build.Logger == nil {
		opts.Build.Logger = opts.Logger
	}
	if opts.Binaries == nil {
		b, err := Build(ctx, opts.Build)
		if err != nil {
			return err
		}
		opts.Binaries = b
	}
	c, err := Start(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "export KUBECONFIG=%s\n", c.Kubeconfig())
	fmt.Fprintf(w, "alias kubectl=%s\n", c.Binaries().Path("kubectl"))
	fmt.Fprintf(w, "# API server %s; logs in %s; Ctrl-C stops it and removes them\n", c.Server(), c.Dir())
	<-ctx.Done()
	return c.Close()
}
