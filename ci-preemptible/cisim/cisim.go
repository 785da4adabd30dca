package cisim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/bloglabs/posts/ci-preemptible/kindlab"
	"github.com/bloglabs/posts/ci-preemptible/scenarios"
	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// ErrUsage is returned (wrapped) by Run when the command line is wrong;
// ExitCode maps it to 2.
var ErrUsage = errors.New("usage error")

// ExitCode maps Run's error to the process exit status: 0 for success (and
// -h), 2 for a usage error, 130 when interrupted, 1 otherwise (among them
// kind's refusal to run on this machine, kind.ErrHost).
func ExitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	case errors.Is(err, context.Canceled):
		return 130
	default:
		return 1
	}
}

const usage = `cisim simulates CI jobs on Kubernetes node pools (see docs/labs/preemptible.md).

Usage:
  cisim [lab] [--svg FILE] [--json FILE] [--seed N] [--horizon D]
      the blog post's setup in four variants side by side (the default)
  cisim lab --runtime kind [--cluster NAME] [--keep] [--jobs N] [--notice D] [--timeout D]
      the same live on a kind cluster: a worker labelled and tainted like a GKE
      preemptible node, the job pods and web Deployment of ci-preemptible/deploy,
      then a preemption (the worker's container stopped); checks first that kind
      can run here, and creates nothing when it cannot
  cisim --scenario FILE|NAME [--scenario ...] [--seed N] [--horizon D] [--svg FILE] [--json FILE]
      your own scenarios (a YAML file, or the name of an embedded one)
  cisim list
      the embedded scenarios

Flags:
`

// Run is the cisim command line: args without the program name. Results go
// to stdout, usage and diagnostics to stderr.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "list" {
		if len(args) > 1 {
			return fmt.Errorf("%w: list takes no arguments", ErrUsage)
		}
		return list(stdout)
	}
	lab := len(args) > 0 && args[0] == "lab"
	if lab {
		args = args[1:]
	}
	fl := flag.NewFlagSet("cisim", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var (
		names   stringList
		svgPath = fl.String("svg", "", "write the chart to `FILE` (SVG)")
		jsonOut = fl.String("json", "", "write the results to `FILE` (JSON; durations in nanoseconds)")
		seed    = fl.Uint64("seed", 0, "override the scenarios' seed")
		horizon = fl.Duration("horizon", 0, "override the scenarios' horizon (e.g. 168h)")
	)
	fl.Var(&names, "scenario", "a scenario `FILE` or embedded NAME (repeatable); none runs the lab")
	var live LiveOptions
	rt := fl.String("runtime", "sim", "where the lab runs: sim (the simulator) or kind (a kind cluster; needs Docker with privileged containers on cgroup v2)")
	fl.StringVar(&live.Cluster, "cluster", kindlab.DefaultCluster, "kind: the cluster's `NAME` (reused if it exists, else created)")
	fl.BoolVar(&live.Keep, "keep", false, "kind: keep a cluster the lab created")
	fl.IntVar(&live.Jobs, "jobs", 2, "kind: job pods with selector and toleration (each requests 1.1 CPU, 2.1 GiB)")
	fl.DurationVar(&live.Notice, "notice", 5*time.Second, "kind: the preemption notice, docker stop's grace (GCE gives 30s)")
	fl.DurationVar(&live.Timeout, "timeout", 3*time.Minute, "kind: bound on each wait (nodes, pods, the node marked not Ready)")
	fl.Usage = func() {
		fmt.Fprint(stderr, usage)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if fl.NArg() > 0 {
		fl.Usage()
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fl.Arg(0))
	}
	set := map[string]bool{}
	fl.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch *rt {
	case "kind":
		for _, f := range []string{"scenario", "svg", "json", "seed", "horizon"} {
			if set[f] {
				return fmt.Errorf("%w: --%s is for the simulator; --runtime kind runs the lab's own pods", ErrUsage, f)
			}
		}
		if live.Jobs < 1 {
			return fmt.Errorf("%w: --jobs %d: want at least 1", ErrUsage, live.Jobs)
		}
		live.Progress = stderr
		// The host check reaches Docker through testcontainers, whose
		// banner would bury the answer.
		quietOnce.Do(func() { tclog.SetDefault(tclog.NewNoopLogger()) })
		return runLive(ctx, stdout, live)
	case "sim":
		for _, f := range []string{"cluster", "keep", "jobs", "notice", "timeout"} {
			if set[f] {
				return fmt.Errorf("%w: --%s is for --runtime kind", ErrUsage, f)
			}
		}
	default:
		return fmt.Errorf("%w: --runtime %q: want sim or kind", ErrUsage, *rt)
	}
	switch {
	case lab && len(names) > 0:
		return fmt.Errorf("%w: lab runs the blog post's scenarios; drop --scenario or drop lab", ErrUsage)
	case len(names) == 0:
		names = scenarios.Lab
	}
	var scs []*sim.Scenario
	for _, n := range names {
		sc, err := loadScenario(n)
		if err != nil {
			return err
		}
		if *seed != 0 {
			sc.Seed = *seed
		}
		if *horizon != 0 {
			sc.Horizon.Duration = *horizon
		}
		scs = append(scs, sc)
	}
	return runAndReport(ctx, scs, stdout, *svgPath, *jsonOut)
}

// RunPreemptibleLab is `go tool mage lab:preemptible`: the blog post's setup
// in four variants (all on-demand; a preemptible pool with taint, selector
// and toleration; the taint missing; the toleration forgotten), simulated
// over 30 days and printed side by side. With svgPath set it also writes the
// chart there, creating the directory. It needs no Docker and no cluster.
func RunPreemptibleLab(ctx context.Context, stdout io.Writer, svgPath string) error {
	var scs []*sim.Scenario
	for _, name := range scenarios.Lab {
		sc, err := scenarios.Load(name)
		if err != nil {
			return fmt.Errorf("lab: %w", err)
		}
		scs = append(scs, sc)
	}
	return runAndReport(ctx, scs, stdout, svgPath, "")
}

// LiveOptions configure RunLiveLab; see kindlab.Options.
type LiveOptions = kindlab.Options

var quietOnce sync.Once

// runLive is RunLiveLab; tests replace it to check the command line alone.
var runLive = RunLiveLab

// RunLiveLab is `cisim lab --runtime kind`: the lab live on a kind cluster
// (package kindlab). It checks first that kind can run here and, when it
// cannot, returns kind's plain explanation (wrapping kind.ErrHost) having
// created nothing. Otherwise it brings up (or reuses) a cluster with a worker
// labelled and tainted like a GKE preemptible node, applies the job pods and
// web Deployment of ci-preemptible/deploy (and a job pod whose toleration was
// forgotten), prints where they landed, stops the worker's container, and
// prints where they are then, with kube-scheduler's reason for every pod that
// waits.
func RunLiveLab(ctx context.Context, stdout io.Writer, opts LiveOptions) error {
	return kindlab.Run(ctx, stdout, opts)
}

func list(w io.Writer) error {
	for _, n := range scenarios.Names() {
		sc, err := scenarios.Load(n)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-28s %s\n", n, sc.Title)
	}
	return nil
}

// loadScenario reads a file if there is one, else an embedded scenario.
func loadScenario(name string) (*sim.Scenario, error) {
	if _, err := os.Stat(name); err == nil {
		return sim.LoadScenarioFile(name)
	}
	sc, err := scenarios.Load(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: --scenario %s: no such file, and %w", ErrUsage, name, err)
	}
	return sc, err
}

// timelineDay is the day the chart shows: the first Tuesday (time 0 is a
// Monday 00:00), or the first day of a shorter run.
func timelineDay(sc *sim.Scenario) *sim.Window {
	if sc.Horizon.Duration >= 48*time.Hour {
		return &sim.Window{From: 24 * time.Hour, To: 48 * time.Hour}
	}
	return &sim.Window{From: 0, To: min(24*time.Hour, sc.Horizon.Duration)}
}

func runAndReport(ctx context.Context, scs []*sim.Scenario, stdout io.Writer, svgPath, jsonPath string) error {
	results := make([]*sim.Result, 0, len(scs))
	for _, sc := range scs {
		r, err := sim.Run(ctx, sc, sim.Options{Timeline: timelineDay(sc)})
		if err != nil {
			return fmt.Errorf("simulate %s: %w", sc.Name, err)
		}
		results = append(results, r)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "Simulated CI on Kubernetes node pools (jobs from a Monday 00:00; waits from job creation to pod running):\n\n")
	if err := WriteTable(&out, results); err != nil {
		return err
	}
	out.WriteString("\n")
	if err := WriteNotes(&out, results); err != nil {
		return err
	}
	if svgPath != "" {
		var svg bytes.Buffer
		if err := WriteSVG(&svg, results); err != nil {
			return err
		}
		if err := writeFile(svgPath, svg.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(&out, "\nchart: %s\n", svgPath)
	}
	if jsonPath != "" {
		data, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return fmt.Errorf("encode results: %w", err)
		}
		if err := writeFile(jsonPath, append(data, '\n')); err != nil {
			return err
		}
		fmt.Fprintf(&out, "results: %s\n", jsonPath)
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func writeFile(path string, data []byte) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
