package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The tables docs/labs/preemptible.md shows under a `go run
// ./ci-preemptible/cmd/cisim ARGS` command are that command's output today:
// the simulator is deterministic, so a table that no longer matches is a
// guide that has gone stale.
func TestGuideTablesAreTheSimulatorsOutput(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "docs", "labs", "preemptible.md"))
	if err != nil {
		t.Fatal(err)
	}
	pairs := guideTables(string(src))
	if len(pairs) < 2 {
		t.Fatalf("docs/labs/preemptible.md: found %d cisim commands followed by a table, want at least 2", len(pairs))
	}
	for _, p := range pairs {
		out, stderr, code := run(t, p.args...)
		if code != 0 {
			t.Errorf("cisim %s: exit %d: %s", strings.Join(p.args, " "), code, stderr)
			continue
		}
		if !strings.Contains(out, p.table) {
			t.Errorf("docs/labs/preemptible.md shows for cisim %s:\n%s\nbut it prints:\n%s", strings.Join(p.args, " "), p.table, out)
		}
	}
}

type guideTable struct {
	args  []string
	table string
}

// guideTables finds each one-line ```sh block that runs the simulator's
// CLI and the plain ``` block right after it, when that block is a table.
func guideTables(src string) []guideTable {
	const cmd = "go run ./ci-preemptible/cmd/cisim "
	var out []guideTable
	blocks := strings.Split(src, "```")
	// blocks[1], [3], ... are the fences' contents, their info string first.
	for i := 1; i+2 < len(blocks); i += 2 {
		body, ok := strings.CutPrefix(blocks[i], "sh\n")
		line := strings.TrimSpace(body)
		if !ok || strings.Contains(line, "\n") || !strings.HasPrefix(line, cmd) {
			continue
		}
		next := blocks[i+2]
		if !strings.HasPrefix(next, "\n  scenario") {
			continue
		}
		out = append(out, guideTable{
			args:  strings.Fields(strings.TrimPrefix(line, cmd)),
			table: strings.Trim(next, "\n"),
		})
	}
	return out
}
