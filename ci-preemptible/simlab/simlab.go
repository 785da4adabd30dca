package simlab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/report"
	"github.com/bloglabs/posts/ci-preemptible/scenarios"
	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// ErrNoScenario is returned (wrapped) by [Load] for a name that is neither a
// file nor an embedded scenario.
var ErrNoScenario = errors.New("no such scenario")

// Options configure [Simulate]. The zero value is the blog post's lab: its
// four variants, printed, no files written.
type Options struct {
	// Scenarios are embedded scenario names or YAML files. Defaults to
	// [scenarios.Lab], the post's four variants.
	Scenarios []string
	// Seed, when not 0, overrides every scenario's seed.
	Seed uint64
	// Horizon, when not 0, overrides every scenario's horizon.
	Horizon time.Duration
	// SVG, when set, is where the chart is written (its folder created).
	SVG string
	// JSON, when set, is where the results are written as JSON (durations
	// in nanoseconds).
	JSON string
	// Results, when set, is handed the results once they are printed (the
	// live view shows them in a browser).
	Results func([]*sim.Result)
}

// Simulate runs the scenarios and prints them on w as a table with notes;
// it writes the chart and the JSON where opts say and names them on w.
func Simulate(ctx context.Context, w io.Writer, opts Options) error {
	scs, err := Load(opts)
	if err != nil {
		return err
	}
	results, err := Results(ctx, scs)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := writeReport(&out, results); err != nil {
		return err
	}
	if opts.SVG != "" {
		var svg bytes.Buffer
		if err := report.WriteSVG(&svg, results); err != nil {
			return err
		}
		if err := writeFile(opts.SVG, svg.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(&out, "\nchart: %s\n", opts.SVG)
	}
	if opts.JSON != "" {
		data, err := json.MarshalIndent(results, "", "  ")
		if err != nil {
			return fmt.Errorf("encode results: %w", err)
		}
		if err := writeFile(opts.JSON, append(data, '\n')); err != nil {
			return err
		}
		fmt.Fprintf(&out, "results: %s\n", opts.JSON)
	}
	if _, err := w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if opts.Results != nil {
		opts.Results(results)
	}
	return nil
}

// Load loads the scenarios opts name (a file if there is one, else an
// embedded scenario) with opts' overrides applied.
func Load(opts Options) ([]*sim.Scenario, error) {
	names := opts.Scenarios
	if len(names) == 0 {
		names = scenarios.Lab
	}
	scs := make([]*sim.Scenario, 0, len(names))
	for _, n := range names {
		sc, err := loadOne(n)
		if err != nil {
			return nil, err
		}
		if opts.Seed != 0 {
			sc.Seed = opts.Seed
		}
		if opts.Horizon != 0 {
			sc.Horizon.Duration = opts.Horizon
		}
		scs = append(scs, sc)
	}
	return scs, nil
}

// loadOne reads a file if there is one, else an embedded scenario.
func loadOne(name string) (*sim.Scenario, error) {
	if _, err := os.Stat(name); err == nil {
		return sim.LoadScenarioFile(name)
	}
	sc, err := scenarios.Load(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s: no such file, and %w", ErrNoScenario, name, err)
	}
	return sc, err
}

// Results simulates each scenario, recording the timeline of the day the
// chart shows.
func Results(ctx context.Context, scs []*sim.Scenario) ([]*sim.Result, error) {
	results := make([]*sim.Result, 0, len(scs))
	for _, sc := range scs {
		r, err := sim.Run(ctx, sc, sim.Options{Timeline: TimelineDay(sc)})
		if err != nil {
			return nil, fmt.Errorf("simulate %s: %w", sc.Name, err)
		}
		results = append(results, r)
	}
	return results, nil
}

// TimelineDay is the day the chart shows: the first Tuesday (time 0 is a
// Monday 00:00), or the first day of a shorter run.
func TimelineDay(sc *sim.Scenario) *sim.Window {
	if sc.Horizon.Duration >= 48*time.Hour {
		return &sim.Window{From: 24 * time.Hour, To: 48 * time.Hour}
	}
	return &sim.Window{From: 0, To: min(24*time.Hour, sc.Horizon.Duration)}
}

func writeReport(w io.Writer, results []*sim.Result) error {
	fmt.Fprintf(w, "Simulated CI on Kubernetes node pools\n(jobs from a Monday 00:00; waits from job creation to pod running):\n\n")
	if err := report.WriteTable(w, results); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return report.WriteNotes(w, results)
}

// List prints the embedded scenarios with their titles.
func List(w io.Writer) error {
	for _, n := range scenarios.Names() {
		sc, err := scenarios.Load(n)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-28s %s\n", n, sc.Title)
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
