package report_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/golden"
	"github.com/bloglabs/posts/internal/svgcheck"
	"github.com/bloglabs/posts/labs/report"
)

// TestTimelineSVG renders the recorded race and fix runs: golden files,
// charts that GitHub renders, and every replica's lane with what it did.
func TestTimelineSVG(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		want    []string // texts the chart must hold, beyond its own claims
		verdict string   // the verdict's colour
	}{
		// Issue 21: the "gave up" mark has a legend, the database check is
		// drawn, and a damaged database makes the verdict red even though
		// the race lab showed what it exists to show.
		{"race", []string{"demo-0", "demo-4", "crashed, 5 restarts, never ready", "verdict: race reproduced",
			"gave up", "database check: 5 problems", "the database check found:", "• goose_db_version lacks versions: 4"}, "#c62828"},
		{"fix", []string{"demo-0", "ran, 0 restarts, ready 1.65s", "skipped, 0 restarts, ready 1.66s", "verdict: fixed",
			"gave up", "database check: as designed"}, "#2e7d32"},
	} {
		r, _ := load[report.Result](t, tc.name+".json")
		var buf bytes.Buffer
		if err := report.WriteSVG(&buf, r); err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, tc.name+".svg", buf.Bytes())
		info, err := svgcheck.Check(buf.Bytes())
		if err != nil {
			t.Errorf("%s.svg: %v", tc.name, err)
		}
		assertTexts(t, tc.name, info, tc.want)
		if want := `fill="` + tc.verdict + `" font-weight="bold">verdict:`; !strings.Contains(buf.String(), want) {
			t.Errorf("%s.svg: the verdict is not drawn in %s", tc.name, tc.verdict)
		}
		// One tooltip per drawn event: a crash ×6 in the text report is six
		// marks here, so a reader can hover each.
		crashes := 0
		for _, rep := range r.ReplicaOutcomes {
			crashes += rep.Crashes
		}
		if got := strings.Count(buf.String(), "crashed, exit"); got != crashes {
			t.Errorf("%s.svg: %d crash marks, want %d (the replicas' crashes)", tc.name, got, crashes)
		}
	}
}

func TestComparisonSVG(t *testing.T) {
	t.Parallel()
	c, _ := load[report.Comparison](t, "compare.json")
	var buf bytes.Buffer
	if err := report.WriteComparisonSVG(&buf, c); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "compare.svg", buf.Bytes())
	info, err := svgcheck.Check(buf.Bytes())
	if err != nil {
		t.Errorf("compare.svg: %v", err)
	}
	assertTexts(t, "compare", info, []string{
		"no lock", "post's LOCK TABLE", "goose session locker", "runonce",
		"hang · damaged", "ready 1.67s · ok", "never ready · damaged · 4 double runs · 30 failures",
	})
	// Issue 21: a row with no time to show is striped and runs off the
	// axis, and a legend says so (the bars read as "20 s" before).
	for _, fill := range []string{`fill="url(#never-ready)"`, `fill="url(#hang)"`} {
		if got := strings.Count(buf.String(), fill); got != 2 {
			t.Errorf("compare.svg: %d elements with %s, want 2 (the row's bar and the legend's)", got, fill)
		}
	}
	assertTexts(t, "compare", info, []string{"never ready: no time to show", "hang: CREATE INDEX CONCURRENTLY waited forever"})
	if got := strings.Count(buf.String(), "<rect x=\"200\""); got != len(c.Rows) {
		t.Errorf("compare.svg: %d bars, want one per row (%d)", got, len(c.Rows))
	}
}

func assertTexts(t *testing.T, name string, info svgcheck.Info, want []string) {
	t.Helper()
	for _, w := range want {
		found := false
		for _, s := range info.Texts {
			if strings.HasPrefix(s, w) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s.svg: no text starting %q among %q", name, w, info.Texts)
		}
	}
}

// TestDocsCharts draws the pictures docs/ shows from the recorded runs in
// testdata, with the generators the labs use: race and fix on one time
// axis, so that the two read side by side (issue 21). go test -update
// redraws them.
func TestDocsCharts(t *testing.T) {
	t.Parallel()
	race, _ := load[report.Result](t, "race.json")
	fix, _ := load[report.Result](t, "fix.json")
	axis := max(report.TimelineEnd(race), report.TimelineEnd(fix))
	for _, tc := range []struct {
		file string
		r    *report.Result
	}{{"race-timeline.svg", race}, {"fix-timeline.svg", fix}} {
		var buf bytes.Buffer
		if err := report.WriteSVGOnAxis(&buf, tc.r, axis); err != nil {
			t.Fatal(err)
		}
		if _, err := svgcheck.Check(buf.Bytes()); err != nil {
			t.Errorf("%s: %v", tc.file, err)
		}
		golden.AssertFile(t, filepath.Join("..", "..", "docs", "img", tc.file), buf.Bytes())
	}
	if a, b := lastTick(t, "race-timeline.svg"), lastTick(t, "fix-timeline.svg"); a != b || a == "" {
		t.Errorf("race's axis ends at %q, fix's at %q: want one axis", a, b)
	}
	c, _ := load[report.Comparison](t, "compare.json")
	var buf bytes.Buffer
	if err := report.WriteComparisonSVG(&buf, c); err != nil {
		t.Fatal(err)
	}
	golden.AssertFile(t, filepath.Join("..", "..", "docs", "img", "compare.svg"), buf.Bytes())
}

// lastTick is the last "Ns" axis label of a chart under docs/img.
func lastTick(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "img", file))
	if err != nil {
		t.Fatal(err)
	}
	info, err := svgcheck.Check(b)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	last := ""
	for _, s := range info.Texts {
		if tick.MatchString(s) {
			last = s
		}
	}
	return last
}

var tick = regexp.MustCompile(`^[0-9.]+s$`)
