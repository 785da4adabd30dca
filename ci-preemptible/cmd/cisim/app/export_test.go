package app

import (
	"context"
	"io"

	"github.com/bloglabs/posts/ci-preemptible/kindlab"
	"github.com/bloglabs/posts/ci-preemptible/kwoklab"
)

// SetLiveLabs replaces the kind and kwok labs under Run until the test ends.
func SetLiveLabs(cleanup func(func()), kind func(context.Context, io.Writer, kindlab.Options) error, kwok func(context.Context, io.Writer, kwoklab.Options) error) {
	oldKind, oldKwok := runKind, runKwok
	runKind, runKwok = kind, kwok
	cleanup(func() { runKind, runKwok = oldKind, oldKwok })
}
