//go:build labsfull

package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/bloglabs/posts/ci-preemptible/kindlab"
	"github.com/bloglabs/posts/ci-preemptible/kwoklab"
	"github.com/bloglabs/posts/labs/live"
)

// built is the full build's command (build tag labsfull): the simulator
// and the live labs, kwok and kind.
func built() Command {
	return Command{Live: map[string]LiveLab{RuntimeKwok: runKwok, RuntimeKind: runKind}}
}

func runKwok(ctx context.Context, out io.Writer, o LiveOptions) error {
	ko := kwoklab.Options{
		Kubeconfig: o.Kubeconfig, Context: o.Context, JSON: o.JSON, Record: o.Record,
		Timeout: o.Timeout, Progress: o.Progress,
	}
	if o.View == "" {
		return kwoklab.Run(ctx, out, ko)
	}
	// The page is only told: it never changes the lab's result.
	lv, err := live.Live(o.View, "preemptible")
	if err != nil {
		return err
	}
	fmt.Fprintf(o.Progress, "live view: %s (open it in a browser: it shows the run from the start, whenever it is opened)\n", lv.URL())
	var table *live.Table
	ko.Observe = lv.Cluster
	ko.Results = func(r []*kwoklab.VariantResult) { table = kwoklab.Table(r) }
	labErr := kwoklab.Run(ctx, out, ko)
	lv.EndTable(table, labErr)
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	return errors.Join(labErr, lv.Close(closeCtx))
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
