package workshop

import (
	"regexp"
	"strings"
)

var (
	ansi   = regexp.MustCompile("\x1b\\[[0-9;]*m")
	blanks = regexp.MustCompile(`[ \t]+`)
)

// normalize makes a line comparable: no colour codes, no surrounding
// blanks, and runs of blanks as one space (a table's column widths change
// with its numbers).
func normalize(s string) string {
	return strings.TrimSpace(blanks.ReplaceAllString(ansi.ReplaceAllString(s, ""), " "))
}

// Missing returns the checkpoint lines that do not appear in output, trimmed,
// in the checkpoint's order. A checkpoint line matches an output line that
// contains it; … in a checkpoint line stands for anything, so its parts must
// appear in order within one output line.
func Missing(output string, checkpoint []string) []string {
	var lines []string
	for _, l := range strings.Split(output, "\n") {
		lines = append(lines, normalize(l))
	}
	var miss []string
	for _, want := range checkpoint {
		parts := strings.Split(normalize(want), "…")
		found := false
		for _, got := range lines {
			if containsInOrder(got, parts) {
				found = true
				break
			}
		}
		if !found {
			miss = append(miss, strings.TrimSpace(want))
		}
	}
	return miss
}

func containsInOrder(s string, parts []string) bool {
	for _, p := range parts {
		p = strings.TrimSpace(p)
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}
