package app

import (
	"context"
	"errors"
	"flag"
	"slices"
	"sync"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/bloglabs/posts/ci-preemptible/kindlab"
	"github.com/bloglabs/posts/ci-preemptible/kwoklab"
	"github.com/bloglabs/posts/ci-preemptible/simlab"
	"github.com/bloglabs/posts/internal/cli"
)

// ExitInterrupted is the exit status when the run was interrupted (Ctrl-C):
// 128 + SIGINT, as a shell reports it.
const ExitInterrupted = 130

// ExitCode maps Run's error to the process exit status: 0 for success and
// --help, 64 for a usage error, 130 when interrupted, 1 otherwise (among
// them kind's refusal to run on this machine, kind.ErrHost).
func ExitCode(err error) int {
	if errors.Is(err, context.Canceled) {
		return ExitInterrupted
	}
	return cli.ExitCode(err, 1)
}

const usage = `cisim simulates CI jobs on Kubernetes node pools (see docs/labs/preemptible.md).

usage:
  cisim [lab] [--svg FILE] [--json FILE] [--seed N] [--horizon D] [--live ADDR]
      the blog post's setup in four variants side by side (the default);
      --live then shows the result in a browser until Ctrl-C
  cisim lab --runtime kwok [--kubeconfig FILE] [--context NAME] [--json FILE] [--record DIR] [--timeout D]
      the same four variants live on the real scheduler, scaled to minutes:
      a local control plane with kwok nodes (started here unless --kubeconfig
      names a cluster), the job pods built from the runner's config.toml, the
      web Deployment, a preemption; compared pod by pod with the simulator
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

// config is the parsed command line.
type config struct {
	lab     bool
	runtime string
	sim     simlab.Options
	kind    kindlab.Options
	kwok    kwoklab.Options
	set     map[string]bool // flags given
	live    string          // the live view's address (sim)
}

// The live labs, replaced by tests that check the command line alone.
var (
	runKind = kindlab.Run
	runKwok = kwoklab.Run
)

// Run is the cisim command line: args without the program name. Results go
// to streams.Out, progress and diagnostics to streams.Err.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
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
	switch cfg.runtime {
	case RuntimeKind:
		cfg.kind.Progress = streams.Err
		// The host check reaches Docker through testcontainers, whose
		// banner would bury the answer.
		quietOnce.Do(func() { tclog.SetDefault(tclog.NewNoopLogger()) })
		return runKind(ctx, streams.Out, cfg.kind)
	case RuntimeKwok:
		cfg.kwok.Progress = streams.Err
		return runKwok(ctx, streams.Out, cfg.kwok)
	default:
		var err error
		if cfg.live != "" {
			err = simulateLive(ctx, streams, cfg.sim, cfg.live)
		} else {
			err = simlab.Simulate(ctx, streams.Out, cfg.sim)
		}
		if errors.Is(err, simlab.ErrNoScenario) {
			return cli.Usagef("--scenario: %v", err)
		}
		return err
	}
}

var quietOnce sync.Once

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
	fs.StringVar(&cfg.live, "live", "", "sim: then show the result in a browser, served on `ADDR` (127.0.0.1:0: any free port) until Ctrl-C")
	fs.DurationVar(&cfg.sim.Horizon, "horizon", 0, "override the scenarios' horizon (e.g. 168h)")
	fs.StringVar(&cfg.kwok.Kubeconfig, "kubeconfig", "", "kwok: the cluster's kubeconfig `FILE` (its nodes must be managed by kwok); none starts a local control plane")
	fs.StringVar(&cfg.kwok.Record, "record", "", "kwok: write each variant's pods and nodes as the API server returns them into `DIR` (test fixtures)")
	fs.StringVar(&cfg.kwok.Context, "context", "", "kwok: the kubeconfig's context `NAME` (default: its current context)")
	fs.StringVar(&cfg.kind.Cluster, "cluster", kindlab.DefaultCluster, "kind: the cluster's `NAME` (reused if it exists, else created)")
	fs.BoolVar(&cfg.kind.Keep, "keep", false, "kind: keep a cluster the lab created")
	fs.IntVar(&cfg.kind.Jobs, "jobs", 2, "kind: job pods with selector and toleration (each requests 1.1 CPU, 2.1 GiB)")
	fs.DurationVar(&cfg.kind.Notice, "notice", 5*time.Second, "kind: the preemption notice, docker stop's grace (GCE gives 30s)")
	fs.DurationVar(&cfg.kind.Timeout, "timeout", 3*time.Minute, "kind, kwok: bound on each wait (nodes, pods, a variant's run)")
	return fs
}

// flagsOf are the flags each runtime takes, besides --runtime.
var flagsOf = map[string][]string{
	RuntimeSim:  {"scenario", "svg", "json", "seed", "horizon", "live"},
	RuntimeKind: {"cluster", "keep", "jobs", "notice", "timeout"},
	RuntimeKwok: {"kubeconfig", "context", "json", "record", "timeout"},
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
		if cfg.kind.Jobs < 1 {
			return cli.Usagef("--jobs %d: want at least 1", cfg.kind.Jobs)
		}
	case RuntimeKwok:
		cfg.kwok.JSON = cfg.sim.JSON
		cfg.kwok.Timeout = cfg.kind.Timeout
	case RuntimeSim:
		if cfg.lab && len(cfg.sim.Scenarios) > 0 {
			return cli.Usagef("lab runs the blog post's scenarios; drop --scenario or drop lab")
		}
	}
	return nil
}
