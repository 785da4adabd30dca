package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/report"
	"github.com/bloglabs/posts/ci-preemptible/sim"
	"github.com/bloglabs/posts/ci-preemptible/simlab"
	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/live"
)

// simulateLive runs the simulator, prints its report as usual, then shows
// the result in the labs' live view on addr until ctx is done (Ctrl-C).
func simulateLive(ctx context.Context, streams cli.Streams, opts simlab.Options, addr string) error {
	var results []*sim.Result
	opts.Results = func(r []*sim.Result) { results = r }
	if err := simlab.Simulate(ctx, streams.Out, opts); err != nil {
		return err
	}
	t, err := liveTable(results)
	if err != nil {
		return err
	}
	srv, err := live.ShowTable(addr, "preemptible", t)
	if err != nil {
		return err
	}
	fmt.Fprintf(streams.Err, "live view: %s (open it in a browser; Ctrl-C stops it)\n", srv.URL())
	<-ctx.Done()
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	return srv.Close(closeCtx)
}

// liveTable is the simulator's report as the live view draws it: the
// table, its notes and the chart.
func liveTable(results []*sim.Result) (live.Table, error) {
	if len(results) == 0 {
		return live.Table{}, errors.New("cisim: no results to show")
	}
	header, rows := report.Cells(results)
	var notes, svg bytes.Buffer
	if err := report.WriteNotes(&notes, results); err != nil {
		return live.Table{}, err
	}
	if err := report.WriteSVG(&svg, results); err != nil {
		return live.Table{}, err
	}
	var paras []string
	for p := range strings.SplitSeq(strings.TrimSpace(notes.String()), "\n\n") {
		paras = append(paras, dedent(p))
	}
	return live.Table{
		Title:  "Simulated CI on Kubernetes node pools (waits from job creation to pod running)",
		Header: header, Rows: rows, Notes: paras, SVG: svg.String(),
	}, nil
}

// dedent drops the report's two-space indent from each line.
func dedent(p string) string {
	lines := strings.Split(p, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "  ")
	}
	return strings.Join(lines, "\n")
}
