package actor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/bloglabs/posts/internal/cli"
)

const usage = `usage: actor COMMAND

commands:
  crash        write "boom" on stderr and exit 3
  await [URL]  exit 0 when URL ($AWAIT_URL when not given) answers 2xx, else
               write "not yet" and exit 1
  serve        print "serving $POD_NAME $HOLDER", answer every request on $PORT until stopped`

// ErrCrash is what crash fails with: exit status 3.
var ErrCrash = errors.New("boom")

// Run is the actor's command line.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	if len(args) == 0 {
		return cli.Usagef("name a command: crash, await or serve")
	}
	switch cmd, args := args[0], args[1:]; {
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		cli.PrintUsage(cli.NewFlagSet("actor", usage), streams.Out)
		return cli.ErrHelp
	case cmd == "crash":
		return ErrCrash
	case cmd == "await" && len(args) == 1:
		return await(ctx, args[0])
	case cmd == "await" && len(args) == 0 && os.Getenv("AWAIT_URL") != "":
		// From the environment, where every runtime expands $(POD_NAME).
		return await(ctx, os.Getenv("AWAIT_URL"))
	case cmd == "serve":
		return serve(ctx, streams.Out)
	default:
		return cli.Usagef("unknown command or arguments: %s %v", cmd, args)
	}
}

// ExitCode maps Run's error to the exit status.
func ExitCode(err error) int {
	if errors.Is(err, ErrCrash) {
		return 3
	}
	return cli.ExitCode(err, 1)
}

func await(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("await: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not yet: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("not yet: %s", resp.Status)
	}
	return nil
}

func serve(ctx context.Context, out io.Writer) error {
	l, err := net.Listen("tcp", ":"+os.Getenv("PORT"))
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintln(out, "serving", os.Getenv("POD_NAME"), os.Getenv("HOLDER"))
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
