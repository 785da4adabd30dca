package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/svgcheck"
	"github.com/bloglabs/posts/labs/report"
)

// The chart --svg writes is the report's, for each kind of result, and a
// chart GitHub renders.
func TestWriteSVG(t *testing.T) {
	t.Parallel()
	ready := 1.5
	dir := t.TempDir()
	for name, result := range map[string]any{
		"race.svg": &report.Result{Lab: "race", Title: "2 replicas", Replicas: 2, Verdict: "race reproduced", Showed: true,
			ReplicaOutcomes: []report.Replica{
				{Name: "demo-0", Outcome: report.Ran, Ready: true, SecondsToReady: &ready,
					Events: []report.Event{{At: 0.1, Kind: "ran"}, {At: 1.4, Kind: "migrated"}, {At: 1.5, Kind: "ready"}}},
				{Name: "demo-1", Outcome: report.Crashed, Events: []report.Event{{At: 0.1, Kind: "ran"}, {At: 1.4, Kind: "crashed"}}},
			}},
		"sub/compare.svg": &report.Comparison{Lab: "compare", Verdict: "runonce ok", Showed: true,
			Rows: []report.Row{{Strategy: "runonce", CreateIndex: true, DBOK: true, SecondsToLastReady: &ready}}},
	} {
		file := filepath.Join(dir, name)
		if err := writeSVG(file, result); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svgcheck.Check(b); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := writeSVG(filepath.Join(dir, "x.svg"), 42); err == nil || !strings.Contains(err.Error(), "no chart for a int") {
		t.Errorf("writeSVG(42): %v, want an error naming the type", err)
	}
}
