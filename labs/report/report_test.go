package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bloglabs/posts/internal/golden"
	"github.com/bloglabs/posts/labs/report"
)

func load[T any](t *testing.T, name string) (*T, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	v := new(T)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v, b
}

func TestResultText(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"race", "fix"} {
		r, raw := load[report.Result](t, name+".json")
		for _, color := range []bool{false, true} {
			var buf bytes.Buffer
			if err := (report.Text{Color: color}).WriteResult(&buf, r); err != nil {
				t.Fatal(err)
			}
			suffix := ".txt"
			if color {
				suffix = ".color.txt"
			}
			golden.Assert(t, name+suffix, buf.Bytes())
			if !color && strings.Contains(buf.String(), "\x1b[") {
				t.Errorf("%s: colour codes without Color", name)
			}
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if !color && !strings.HasPrefix(lines[len(lines)-1], "verdict: ") {
				t.Errorf("%s: last line %q, want the verdict", name, lines[len(lines)-1])
			}
		}
		// JSON out is JSON in: field names are the contract tests and tools use.
		var buf bytes.Buffer
		if err := report.WriteJSON(&buf, r); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), raw) {
			t.Errorf("%s: JSON does not round-trip:\n%s", name, buf.String())
		}
	}
}

func TestComparisonText(t *testing.T) {
	t.Parallel()
	c, raw := load[report.Comparison](t, "compare.json")
	var buf bytes.Buffer
	if err := (report.Text{}).WriteComparison(&buf, c); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "compare.txt", buf.Bytes())
	buf.Reset()
	if err := report.WriteJSON(&buf, c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), raw) {
		t.Errorf("compare: JSON does not round-trip")
	}
}

// stepSep separates a replica's steps; a line that breaks between two
// steps drops it.
const stepSep = " · "

// At 80 columns (a small terminal, a workshop projector) the report still
// reads: every line fits, each replica's steps go under its name, and
// nothing is lost — the same words as the unwrapped report.
func TestTextAt80Columns(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"race", "fix", "compare"} {
		var wide, narrow bytes.Buffer
		if name == "compare" {
			c, _ := load[report.Comparison](t, name+".json")
			for w, buf := range map[int]*bytes.Buffer{0: &wide, 80: &narrow} {
				if err := (report.Text{Width: w}).WriteComparison(buf, c); err != nil {
					t.Fatal(err)
				}
			}
		} else {
			r, _ := load[report.Result](t, name+".json")
			for w, buf := range map[int]*bytes.Buffer{0: &wide, 80: &narrow} {
				if err := (report.Text{Width: w}).WriteResult(buf, r); err != nil {
					t.Fatal(err)
				}
			}
		}
		golden.Assert(t, name+".80.txt", narrow.Bytes())
		for i, l := range strings.Split(narrow.String(), "\n") {
			if n := utf8.RuneCountInString(l); n > 80 {
				t.Errorf("%s.80.txt line %d is %d columns: %q", name, i+1, n, l)
			}
		}
		if words := func(s string) []string { return strings.Fields(strings.ReplaceAll(s, stepSep, " ")) }; !slices.Equal(words(wide.String()), words(narrow.String())) && name != "compare" {
			t.Errorf("%s: the wrapped report does not hold the same words as the unwrapped one", name)
		}
	}
}
