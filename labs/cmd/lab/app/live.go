package app

import (
	"context"
	"fmt"
	"time"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/labkit"
	"github.com/bloglabs/posts/labs/live"
)

// EnvLive sets --live's default, so that a Mage target (which takes no
// flags) shows its lab live: LABS_LIVE=1 go tool mage lab:race.
const EnvLive = live.EnvLive

// AnyPort is the address --live takes for "1" or "true": loopback, a free
// port.
const AnyPort = live.AnyPort

// closeGrace is how long the live view's browsers get, once the lab has
// ended, to receive its last messages.
const closeGrace = 2 * time.Second

// runLive runs lab with a live view on addr: it prints the page's address,
// feeds the page, and ends it with the result. The page never changes the
// lab's result: it is only told.
func (c Command) runLive(ctx context.Context, streams cli.Streams, addr string, lab labkit.Lab, o labkit.Options) (labkit.Result, error) {
	lv, err := live.Live(addr, string(lab))
	if err != nil {
		return labkit.Result{}, err
	}
	fmt.Fprintf(streams.Err, "live view: %s (open it in a browser: it shows the run from the start, whenever it is opened)\n", lv.URL())
	o.Observe = lv.Observe
	res, labErr := c.Table.Run(ctx, lab, o)
	lv.End(res.Value(), labErr)
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeGrace)
	defer cancel()
	if err := lv.Close(closeCtx); err != nil {
		fmt.Fprintln(streams.Err, err)
	}
	return res, labErr
}

// view is `lab view FILE`: it replays a lab's --json output in the browser
// until Ctrl-C.
func view(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("lab view", `usage: lab view [--addr HOST:PORT] FILE

Replays FILE, a lab's --json output (race, fix or compare), in the live
view's page: play, pause, or step through it one event at a time. Recorded
runs are in docs/runs. It serves until Ctrl-C.
`)
	addr := fs.String("addr", AnyPort, "the address to serve the page on (port 0: any free one)")
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return cli.Usagef("lab view wants one file, a lab's --json output (e.g. docs/runs/race.json); got %d arguments", fs.NArg())
	}
	v, err := live.Load(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("%w (record one with: go run ./labs/cmd/lab race --json FILE)", err)
	}
	srv, err := live.NewReplay(*addr, v)
	if err != nil {
		return err
	}
	fmt.Fprintf(streams.Err, "replay of %s: %s (open it in a browser; Ctrl-C stops it)\n", fs.Arg(0), srv.URL())
	<-ctx.Done()
	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeGrace)
	defer cancel()
	return srv.Close(closeCtx)
}
