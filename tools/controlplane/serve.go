package controlplane

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Serve builds the binaries if the cache lacks them, starts a control
// plane, writes `export KUBECONFIG=<file>` (and a kubectl alias for the
// kubectl built with it) to w, and keeps it up until ctx ends (Ctrl-C), then
// stops it and removes its files. It is `go tool mage cluster:local`.
//
// With Options.RealNode, a host that cannot run a real node (see
// [CheckRealNode]; or one where another real node runs) gets the kwok
// nodes only, and w says exactly what is missing.
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
	if opts.RealNode {
		if err := CheckRealNode(opts.Binaries); err != nil {
			fmt.Fprintf(w, "# %v\n# kwok nodes only: pods get scheduled, no container runs\n", err)
			opts.RealNode = false
		}
	}
	c, err := Start(ctx, opts)
	if opts.RealNode && errors.Is(err, ErrNoRealNode) {
		fmt.Fprintf(w, "# %v\n# kwok nodes only: pods get scheduled, no container runs\n", err)
		opts.RealNode = false
		c, err = Start(ctx, opts)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "export KUBECONFIG=%s\n", c.Kubeconfig())
	fmt.Fprintf(w, "alias kubectl=%s\n", c.Binaries().Path("kubectl"))
	fmt.Fprintf(w, "# API server %s; logs in %s; Ctrl-C stops it and removes them\n", c.Server(), c.Dir())
	if name := c.RealNode(); name != "" {
		fmt.Fprintf(w, "# real node %s: kubelet and containerd logs in %s; the labs run on it with --runtime kubernetes\n", name, nodeDir())
	}
	<-ctx.Done()
	return c.Close()
}
