package report_test

import (
	"bytes"
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
		name string
		want []string // texts the chart must hold, beyond its own claims
	}{
		{"race", []string{"demo-0", "demo-4", "crashed, 5 restarts, never ready", "verdict: race reproduced"}},
		{"fix", []string{"demo-0", "ran, 0 restarts, ready 1.65s", "skipped, 0 restarts, ready 1.66s", "verdict: fixed"}},
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
