//go:build labsfull

package app

import (
	"context"
	"io"
	"sync"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/bloglabs/posts/ci-preemptible/kindlab"
	"github.com/bloglabs/posts/ci-preemptible/kwoklab"
)

// built is the full build's command (build tag labsfull): the simulator
// and the live labs, kwok and kind.
func built() Command {
	return Command{Live: map[string]LiveLab{RuntimeKwok: runKwok, RuntimeKind: runKind}}
}

func runKwok(ctx context.Context, out io.Writer, o LiveOptions) error {
	return kwoklab.Run(ctx, out, kwoklab.Options{
		Kubeconfig: o.Kubeconfig, Context: o.Context, JSON: o.JSON, Record: o.Record,
		Timeout: o.Timeout, Progress: o.Progress,
	})
}

func runKind(ctx context.Context, out io.Writer, o LiveOptions) error {
	// The host check reaches Docker through testcontainers, whose banner
	// would bury the answer.
	quietOnce.Do(func() { tclog.SetDefault(tclog.NewNoopLogger()) })
	return kindlab.Run(ctx, out, kindlab.Options{
		Cluster: o.Cluster, Keep: o.Keep, Jobs: o.Jobs, Notice: o.Notice,
		Timeout: o.Timeout, Progress: o.Progress,
	})
}

var quietOnce sync.Once
