package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
