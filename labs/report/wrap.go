package report

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// line writes words as one line, wrapped at t.Width: the first line starts
// with first, the others with indent.
func (t Text) line(b *strings.Builder, first, indent string, text ...string) {
	words := strings.Fields(strings.Join(text, " "))
	for _, l := range wrapItems(words, " ", t.Width, first, indent) {
		b.WriteString(l + "\n")
	}
}

// facts writes "name: value" items on one line, three spaces apart,
// wrapped at t.Width between items.
func (t Text) facts(b *strings.Builder, items ...string) {
	for _, l := range wrapItems(items, "   ", t.Width, "", "") {
		b.WriteString(l + "\n")
	}
}

// wrapItems lays items out on lines of at most width columns (0: one line),
// the first line starting with first and the others with indent, items on
// a line joined by sep. A line
// breaks between items where it can, and inside an item, between words,
// only when the item is too wide for a line of its own.
func wrapItems(items []string, sep string, width int, first, indent string) []string {
	var lines []string
	cur := "" // the line being filled, without its indent
	prefix := func() string {
		if len(lines) == 0 {
			return first
		}
		return indent
	}
	flush := func() {
		if cur != "" {
			lines = append(lines, prefix()+cur)
			cur = ""
		}
	}
	fits := func(s string) bool { return width <= 0 || visible(prefix())+visible(s) <= width }
	join := func(a, glue, b string) string {
		if a == "" {
			return b
		}
		return a + glue + b
	}
	for _, item := range items {
		switch {
		case fits(join(cur, sep, item)):
			cur = join(cur, sep, item)
		case fits(item):
			flush()
			cur = item
		default:
			for i, w := range strings.Fields(item) {
				glue := " "
				if i == 0 {
					glue = sep
				}
				if !fits(join(cur, glue, w)) {
					flush()
				}
				cur = join(cur, glue, w)
			}
		}
	}
	flush()
	return lines
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// visible is s's width on a terminal: runes, without colour codes.
func visible(s string) int {
	return utf8.RuneCountInString(ansi.ReplaceAllString(s, ""))
}
