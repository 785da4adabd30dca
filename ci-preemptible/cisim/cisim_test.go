package cisim_test

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

	"github.com/bloglabs/posts/ci-preemptible/cisim"
	"github.com/bloglabs/posts/ci-preemptible/sim"
	"github.com/bloglabs/posts/internal/golden"
)

func TestPreemptibleLab(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	svgPath := filepath.Join(dir, "out", "preemptible.svg")
	var out bytes.Buffer
	if err := cisim.RunPreemptibleLab(context.Background(), &out, svgPath); err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(out.String(), svgPath, "SVG", 1)
	golden.Assert(t, "lab.golden", []byte(text))

	svg, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg, "post-all-on-demand", "post-tainted", "post-taint-missing", "post-toleration-forgotten")
}

// checkSVG parses the chart as XML and looks for what a reader needs.
func checkSVG(t *testing.T, svg []byte, want ...string) {
	t.Helper()
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

func run(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = cisim.Run(context.Background(), args, &o, &e)
	return o.String(), e.String(), err
}

func TestRunScenarioFileWithJSONAndSVG(t *testing.T) {
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
	jsonPath, svgPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.svg")
	stdout, _, err := run(t, "--scenario", filepath.Join(dir, "mine.yaml"), "--scenario", "post-tainted", "--horizon", "72h", "--json", jsonPath, "--svg", svgPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "mine") || !strings.Contains(stdout, "post-tainted") {
		t.Errorf("table lacks a scenario:\n%s", stdout)
	}
	var results []sim.Result
	data, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &results); err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || results[0].Jobs == 0 || results[0].Timeline == nil {
		t.Errorf("json: %d results, first has %d jobs and timeline %v", len(results), results[0].Jobs, results[0].Timeline != nil)
	}
	svg, err := os.ReadFile(svgPath)
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg, "mine", "post-tainted")
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--nope"}, 2},
		{[]string{"--scenario", "no-such-scenario"}, 2},
		{[]string{"lab", "--scenario", "post-tainted"}, 2},
		{[]string{"list", "extra"}, 2},
		{[]string{"stray"}, 2},
		{[]string{"-h"}, 0},
	} {
		_, stderr, err := run(t, tc.args...)
		if got := cisim.ExitCode(err); got != tc.code {
			t.Errorf("%v: exit code %d (err %v), want %d", tc.args, got, err, tc.code)
		}
		if tc.code == 2 && !errors.Is(err, cisim.ErrUsage) {
			t.Errorf("%v: err %v, want ErrUsage", tc.args, err)
		}
		if tc.args[0] == "-h" && !strings.Contains(stderr, "Usage:") {
			t.Errorf("-h printed no usage: %q", stderr)
		}
	}
	if got := cisim.ExitCode(context.Canceled); got != 130 {
		t.Errorf("interrupted: exit code %d, want 130", got)
	}
}

func TestRunHonoursCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := cisim.Run(ctx, nil, io.Discard, io.Discard)
	if !errors.Is(err, context.Canceled) || cisim.ExitCode(err) != 130 {
		t.Errorf("err %v, want context.Canceled (exit 130)", err)
	}
}
