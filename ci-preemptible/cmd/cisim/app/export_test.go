package app

import (
	"context"
	"io"

	"github.com/bloglabs/posts/ci-preemptible/kindlab"
	"github.com/bloglabs/posts/ci-preemptible/live"
)

// SetLiveLabs replaces the kind and kwok labs under Run until the test ends.
func SetLiveLabs(cleanup func(func()), kind func(context.Context, io.Writer, kindlab.Options) error, kwok func(context.Context, io.Writer, live.Options) error) {
	oldKind, oldLive := runKind, runLive
	runKind, runLive = kind, kwok
	cleanup(func() { runKind, runLive = oldKind, oldLive })
}
