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
	return missing(outputLines(output, 1), checkpoint)
}

// wrapSpan is how many lines of a terminal's text one checkpoint line may
// be wrapped over: the labs wrap their report at the terminal's width (at
// 80 columns a replica's steps go on two lines under its name, a long
// header on two), and the checkpoints show whole lines, as the report
// prints them into a pipe.
const wrapSpan = 4

// MissingWrapped is [Missing] for a terminal's text, where a checkpoint line
// also matches up to [wrapSpan] consecutive lines joined by a space.
func MissingWrapped(output string, checkpoint []string) []string {
	return missing(outputLines(output, wrapSpan), checkpoint)
}

// outputLines are output's lines, normalized, and every run of 2 to span
// consecutive lines joined by a space.
func outputLines(output string, span int) []string {
	var single []string
	for _, l := range strings.Split(output, "\n") {
		single = append(single, normalize(l))
	}
	lines := single
	for i := range single {
		for n := 2; n <= span && i+n <= len(single); n++ {
			lines = append(lines, strings.Join(single[i:i+n], " "))
		}
	}
	return lines
}

func missing(lines, checkpoint []string) []string {
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
