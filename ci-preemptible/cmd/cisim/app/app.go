package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/simlab"
	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/labkit/fullbuild"
	"github.com/bloglabs/posts/labs/live"
)

// ExitInterrupted is the exit status when the run was interrupted (Ctrl-C):
// 128 + SIGINT, as a shell reports it.
const ExitInterrupted = 130

// ExitCode maps Run's error to the process exit status: 0 for success and
// --help, 64 for a usage error, 130 when interrupted, 1 otherwise (among
// them kind's refusal to run on this machine, kind.ErrHost); the full
// build's own status when it ran ([*fullbuild.ExitStatusError]).
func ExitCode(err error) int {
	var st *fullbuild.ExitStatusError
	switch {
	case errors.As(err, &st):
		return st.Code
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	return cli.ExitCode(err, 1)
}

// Report prints err as main does, in one line, unless the full build ran
// and has said it already.
func Report(w io.Writer, err error) {
	var st *fullbuild.ExitStatusError
	if !errors.As(err, &st) {
		cli.Report(w, "cisim", err)
	}
}

const usage = `cisim simulates CI jobs on Kubernetes node pools (see docs/labs/preemptible.md).

usage:
  cisim [lab] [--svg FILE] [--json FILE] [--seed N] [--horizon D] [--live ADDR]
      the blog post's setup in four variants side by side (the default);
      --live then shows the result in a browser until Ctrl-C
  cisim lab --runtime kwok [--kubeconfig FILE] [--context NAME] [--json FILE] [--record DIR] [--timeout D] [--live ADDR]
      the same four variants live on the real scheduler, scaled to minutes:
      a local control plane with kwok nodes (started here unless --kubeconfig
      names a cluster), the job pods built from the runner's config.toml, the
      web Deployment, a preemption; compared pod by pod with the simulator;
      --live shows the nodes and the job pods landing on them in a browser
  cisim lab --runtime kind [--cluster NAME] [--keep] [--jobs N] [--notice D] [--timeout D]
      the lab on a kind cluster: a worker labelled and tainted like a GKE
      preemptible node, then a preemption (the worker's container stopped);
      checks first that kind can run here, and creates nothing when it cannot
  cisim --scenario FILE|NAME [--scenario ...] [--seed N] [--horizon D] [--svg FILE] [--json FILE]
      your own scenarios (a YAML file, or the name of an embedded one)
  cisim list
      the embedded scenarios`

// Runtimes of the lab.
const (
	RuntimeSim  = "sim"
	RuntimeKind = "kind"
	RuntimeKwok = "kwok"
)

// DefaultCluster is --cluster's default: kindlab.DefaultCluster, which
// this build does not link (a test keeps the two equal).
const DefaultCluster = "preemptible-lab"

// LiveOptions are the live labs' flags as the command line gives them, in
// a type of this package's own so that the default build links neither
// kindlab nor kwoklab: the full build turns them into kindlab.Options or
// kwoklab.Options.
type LiveOptions struct {
	// kwok: --kubeconfig, --context, --json, --record.
	Kubeconfig, Context, JSON, Record string
	// kind: --cluster, --keep, --jobs, --notice.
	Cluster string
	Keep    bool
	Jobs    int
	Notice  time.Duration
	// Timeout is --timeout, for both.
	Timeout time.Duration
	// View is kwok's --live: the live view's address, or "" for none.
	View string
	// Progress is the command's stderr.
	Progress io.Writer
}

// LiveLab runs the lab on a cluster, its table on out: kwoklab.Run or
// kindlab.Run over o.
type LiveLab = func(ctx context.Context, out io.Writer, o LiveOptions) error

// Command is cisim over the live labs it links.
type Command struct {
	// Live are the live labs by --runtime (kwok, kind): the full build's.
	Live map[string]LiveLab
	// Full, when set, runs the same arguments in the full build: called
	// when they name a runtime Live lacks.
	Full func(ctx context.Context, streams cli.Streams, args []string) error
}

// fullBuild is this command with -tags labsfull.
var fullBuild = fullbuild.Command{Name: "cisim", Dir: "ci-preemptible/cmd/cisim",
	Adds: "the live labs: client-go and the local control plane for kwok, kind's Go API and Docker for kind"}

// Light is the command as `go run ./ci-preemptible/cmd/cisim` builds it:
// the simulator, and the full build for --runtime kwok and kind.
func Light() Command { return Command{Full: fullBuild.Run} }

// config is the parsed command line.
type config struct {
	lab     bool
	runtime string
	sim     simlab.Options
	live    LiveOptions
	set     map[string]bool // flags given
	view    string          // the live view's address (sim)
}

// Run is the cisim command line as this build has it ([Light] by default;
// with the live labs under the build tag labsfull): args without the
// program name. Results go to streams.Out, progress and diagnostics to
// streams.Err.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	return built().Run(ctx, streams, args)
}

// Run is the cisim command line: args without the program name.
func (c Command) Run(ctx context.Context, streams cli.Streams, args []string) error {
	if len(args) > 0 && args[0] == "list" {
		if len(args) > 1 {
			return cli.Usagef("list takes no arguments")
		}
		return simlab.List(streams.Out)
	}
	cfg, err := parse(args, streams)
	if err != nil {
		return err
	}
	if cfg.runtime == RuntimeSim {
		var err error
		if cfg.view != "" {
			err = simulateLive(ctx, streams, cfg.sim, cfg.view)
		} else {
			err = simlab.Simulate(ctx, streams.Out, cfg.sim)
		}
		if errors.Is(err, simlab.ErrNoScenario) {
			return cli.Usagef("--scenario: %v", err)
		}
		return err
	}
	if live, ok := c.Live[cfg.runtime]; ok {
		cfg.live.Progress = streams.Err
		return live(ctx, streams.Out, cfg.live)
	}
	if c.Full != nil {
		return c.Full(ctx, streams, args)
	}
	return fmt.Errorf("--runtime %s: this build of cisim has no live labs", cfg.runtime)
}

// parse reads the flags into a config and checks that they go together.
func parse(args []string, streams cli.Streams) (*config, error) {
	cfg := &config{set: map[string]bool{}}
	if len(args) > 0 && args[0] == "lab" {
		cfg.lab, args = true, args[1:]
	}
	fs := newFlagSet(cfg)
	if err := cli.Parse(fs, args, streams); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { cfg.set[f.Name] = true })
	if err := cfg.check(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func newFlagSet(cfg *config) *flag.FlagSet {
	fs := cli.NewFlagSet("cisim", usage)
	fs.StringVar(&cfg.runtime, "runtime", RuntimeSim, "where the lab runs: sim (the simulator), kwok (live on the real scheduler, kwok nodes) or kind (a kind cluster; needs Docker with privileged containers on cgroup v2)")
	fs.Func("scenario", "a scenario `FILE` or embedded NAME (repeatable); none runs the lab", func(s string) error {
		cfg.sim.Scenarios = append(cfg.sim.Scenarios, s)
		return nil
	})
	fs.StringVar(&cfg.sim.SVG, "svg", "", "write the chart to `FILE` (SVG)")
	fs.StringVar(&cfg.sim.JSON, "json", "", "write the results to `FILE` (JSON; durations in nanoseconds)")
	fs.Uint64Var(&cfg.sim.Seed, "seed", 0, "override the scenarios' seed")
	fs.StringVar(&cfg.view, "live", "", "sim: then show the result in a browser, served on `ADDR` (127.0.0.1:0: any free port) until Ctrl-C; kwok: show the run in a browser as it happens (default $"+live.EnvLive+", where 1 means 127.0.0.1:0)")
	fs.DurationVar(&cfg.sim.Horizon, "horizon", 0, "override the scenarios' horizon (e.g. 168h)")
	fs.StringVar(&cfg.live.Kubeconfig, "kubeconfig", "", "kwok: the cluster's kubeconfig `FILE` (its nodes must be managed by kwok); none starts a local control plane")
	fs.StringVar(&cfg.live.Record, "record", "", "kwok: write each variant's pods and nodes as the API server returns them into `DIR` (test fixtures)")
	fs.StringVar(&cfg.live.Context, "context", "", "kwok: the kubeconfig's context `NAME` (default: its current context)")
	fs.StringVar(&cfg.live.Cluster, "cluster", DefaultCluster, "kind: the cluster's `NAME` (reused if it exists, else created)")
	fs.BoolVar(&cfg.live.Keep, "keep", false, "kind: keep a cluster the lab created")
	fs.IntVar(&cfg.live.Jobs, "jobs", 2, "kind: job pods with selector and toleration (each requests 1.1 CPU, 2.1 GiB)")
	fs.DurationVar(&cfg.live.Notice, "notice", 5*time.Second, "kind: the preemption notice, docker stop's grace (GCE gives 30s)")
	fs.DurationVar(&cfg.live.Timeout, "timeout", 3*time.Minute, "kind, kwok: bound on each wait (nodes, pods, a variant's run)")
	return fs
}

// flagsOf are the flags each runtime takes, besides --runtime.
var flagsOf = map[string][]string{
	RuntimeSim:  {"scenario", "svg", "json", "seed", "horizon", "live"},
	RuntimeKind: {"cluster", "keep", "jobs", "notice", "timeout"},
	RuntimeKwok: {"kubeconfig", "context", "json", "record", "timeout", "live"},
}

func (cfg *config) check() error {
	allowed, ok := flagsOf[cfg.runtime]
	if !ok {
		return cli.Usagef("--runtime %q: want sim, kwok or kind", cfg.runtime)
	}
	for name := range cfg.set {
		if name != "runtime" && !slices.Contains(allowed, name) {
			return cli.Usagef("--%s is not for --runtime %s", name, cfg.runtime)
		}
	}
	switch cfg.runtime {
	case RuntimeKind:
		if cfg.live.Jobs < 1 {
			return cli.Usagef("--jobs %d: want at least 1", cfg.live.Jobs)
		}
	case RuntimeKwok:
		cfg.view = live.Addr(cfg.view)
		cfg.live.JSON, cfg.live.View = cfg.sim.JSON, cfg.view
	case RuntimeSim:
		if cfg.lab && len(cfg.sim.Scenarios) > 0 {
			return cli.Usagef("lab runs the blog post's scenarios; drop --scenario or drop lab")
		}
		// Not $LABS_LIVE: the simulator's view serves until Ctrl-C, and a
		// shell that exported it for a race lab would hang exercise 07.
	}
	return nil
}
