package simlab_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bloglabs/posts/ci-preemptible/scenarios"
	"github.com/bloglabs/posts/ci-preemptible/sim"
	"github.com/bloglabs/posts/ci-preemptible/simlab"
	"github.com/bloglabs/posts/internal/golden"
	"github.com/bloglabs/posts/internal/svgcheck"
)

func TestPreemptibleLab(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	svgPath := filepath.Join(dir, "out", "preemptible.svg")
	var out bytes.Buffer
	if err := simlab.Simulate(context.Background(), &out, simlab.Options{SVG: svgPath}); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(out.String(), svgPath, "SVG", 1)
	golden.Assert(t, "lab.golden", []byte(text))
	// The lab's guide shows this run's tables.
	guide, err := os.ReadFile(filepath.Join("..", "..", "docs", "labs", "preemptible.md"))
	if err != nil {
		t.Fatal(err)
	}
	tables := text[strings.Index(text, "  scenario"):strings.Index(text, "\n\n  preempted:")]
	if !strings.Contains(string(guide), tables) {
		t.Errorf("docs/labs/preemptible.md does not show the lab's tables as it prints them:\n%s", tables)
	}

	svg, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	CheckSVG(t, svg, "post-all-on-demand", "post-tainted", "post-taint-missing", "post-toleration-forgotten")
	// The chart beside the lab's guide is this run's: go test -update redraws it.
	golden.AssertFile(t, filepath.Join("..", "..", "docs", "labs", "preemptible.svg"), svg)
	// Issue 21: the variant where no job ran is marked in its own column,
	// not drawn at the axis's end; the day shown is named; ticks are round.
	for _, want := range []string{">no job ran<", "nodes per pool on Tuesday (day 2 of the run)", ">1m<", ">2m<", ">200<", ">400<"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("chart lacks %s", want)
		}
	}
}

// CheckSVG parses the chart as XML and looks for what a reader needs; the
// chart follows the convention of every committed picture, text readable on
// a projector included (internal/svgcheck).
func CheckSVG(t *testing.T, svg []byte, want ...string) {
	t.Helper()
	if _, err := svgcheck.Check(svg); err != nil {
		t.Errorf("chart: %v", err)
	}
	d := xml.NewDecoder(bytes.NewReader(svg))
	var texts []string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
		if cd, ok := tok.(xml.CharData); ok {
			texts = append(texts, string(cd))
		}
	}
	all := strings.Join(texts, "\n")
	for _, w := range append(want, "p95 queue wait", "nodes per pool", "preemptions") {
		if !strings.Contains(all, w) {
			t.Errorf("chart has no text %q", w)
		}
	}
}

func TestSimulateScenarioFileWithJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A scenario of your own on disk, referring to a Deployment next to it.
	os.WriteFile(filepath.Join(dir, "web.yaml"), []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, resources: {requests: {cpu: 500m}}}]
`), 0o644)
	os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte(`name: mine
horizon: 72h
pools:
  - {name: od, provisioning: on-demand, pricePerHour: 0.2, allocatable: {cpu: "8", memory: 32Gi}, min: 1, max: 4}
workloads:
  - name: ci
    pod: {spec: {containers: [{name: build, resources: {requests: {cpu: "2"}}}]}}
    jobs:
      arrivals: {perHour: 20, profile: working-day}
      duration: {distribution: lognormal, mean: 15m, sigma: 1}
  - {name: web, deploymentFile: web.yaml}
`), 0o644)
	jsonPath := filepath.Join(dir, "r.json")
	var out bytes.Buffer
	err := simlab.Simulate(context.Background(), &out, simlab.Options{
		Scenarios: []string{filepath.Join(dir, "mine.yaml"), "post-tainted"}, Horizon: 72 * time.Hour, JSON: jsonPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "mine") || !strings.Contains(out.String(), "post-tainted") {
		t.Errorf("table lacks a scenario:\n%s", out.String())
	}
	var results []sim.Result
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].Jobs == 0 || results[0].Timeline == nil || results[1].Scenario != "post-tainted" {
		t.Errorf("json: %d results, first has %d jobs and timeline %v", len(results), results[0].Jobs, results[0].Timeline != nil)
	}
}

func TestLoadUnknown(t *testing.T) {
	t.Parallel()
	_, err := simlab.Load(simlab.Options{Scenarios: []string{"no-such-scenario"}})
	if !errors.Is(err, simlab.ErrNoScenario) {
		t.Errorf("err %v, want ErrNoScenario", err)
	}
}

func TestSimulateHonoursCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := simlab.Simulate(ctx, io.Discard, simlab.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v, want context.Canceled", err)
	}
}

// Issue 21: the report fits a projector's 100-column terminal with every
// embedded scenario side by side (the widest name, the old runner's extra
// column, the reasons a pod fits no pool), and never says "-0%".
func TestReportFitsAProjector(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := simlab.Simulate(context.Background(), &out, simlab.Options{Scenarios: scenarios.Names(), Horizon: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(out.String(), "\n") {
		if n := utf8.RuneCountInString(l); n > 100 {
			t.Errorf("line %d is %d columns, want at most 100:\n%s", i+1, n, l)
		}
		if strings.Contains(l, "-0%") || strings.Contains(l, "+0%") {
			t.Errorf("line %d has a signed zero delta:\n%s", i+1, l)
		}
	}
	t.Logf("\n%s", out.String())
}
