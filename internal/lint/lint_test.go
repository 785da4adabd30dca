package lint_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/lint"
)

func module(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/m\n\ngo 1.26\n"
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Each stage stops the lint with an error that names what it found: gofmt
// the files, go vet the command (its findings in the output).
func TestRunStopsAtTheFirstFinding(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		err, out  string
		notInside string
	}{
		{"not gofmt'd", "package m\nfunc F( ) {}\n", "not gofmt'd (run gofmt -w on them):\nm.go", "", "exec: go vet"},
		{"vet finds a bad Printf", "package m\n\nimport \"fmt\"\n\nfunc F() { fmt.Printf(\"%d\\n\", \"x\") }\n", "go vet ./...", "fmt.Printf format %d has arg \"x\" of wrong type string", ""},
	}
	for _, tt := range tests {
		dir := module(t, map[string]string{"m.go": tt.src})
		var out strings.Builder
		err := lint.Run(context.Background(), lint.Options{Dir: dir, Out: &out})
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%s: Run = %v; want an error with %q", tt.name, err, tt.err)
		}
		if !strings.Contains(out.String(), tt.out) || (tt.notInside != "" && strings.Contains(out.String(), tt.notInside)) {
			t.Errorf("%s: output %q; want %q in it and not %q", tt.name, out.String(), tt.out, tt.notInside)
		}
	}
}
