//go:build !linux

package controlplane

import (
	"context"
	"fmt"
	"runtime"
)

// realNode is not available off Linux.
type realNode struct{}

// CheckRealNode returns nil when this host can run a real node with the
// binaries b; else an error wrapping [ErrNoRealNode] that names what is
// missing. A real node needs Linux.
func CheckRealNode(b *Binaries) error {
	return fmt.Errorf("%w: a kubelet needs Linux, this is %s (kind with Docker Desktop runs real pods here)", ErrNoRealNode, runtime.GOOS)
}

func startRealNode(ctx context.Context, c *Cluster, sourceDir string) (*realNode, error) {
	return nil, CheckRealNode(c.bins)
}

func (n *realNode) stop() error { return nil }

func (n *realNode) healthy() error { return nil }
