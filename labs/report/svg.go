package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
)

// The charts are plain SVG 1.1 with no script, no external reference and
// no CSS beyond presentation attributes, so that GitHub renders them as
// images in Markdown. Each carries a <title> and a <desc> whose last line,
// "shows: A; B; ...", lists labels that appear as <text> in the chart: the
// docs' test checks every committed chart against its own list.

// Colours, one per meaning, as in the text report.
const (
	svgRan     = "#2e7d32" // green: ran the step, ready
	svgWaited  = "#f9a825" // amber: waited, hung
	svgCrashed = "#c62828" // red: crashed, gave up, damaged
	svgSkipped = "#00838f" // cyan: skipped
	svgInk     = "#212121"
	svgFaint   = "#9e9e9e"
	svgFont    = `font-family="Helvetica, Arial, sans-serif"`
)

// Legend labels of the swimlane chart: the seven things a replica does.
var swimlaneLegend = []struct{ label, color string }{
	{"ran the step", svgRan}, {"migrated", svgInk}, {"crashed", svgCrashed},
	{"waited", svgWaited}, {"skipped", svgSkipped}, {"ready", svgRan},
	{"gave up", svgCrashed},
}

// svgDoc collects a chart's elements.
type svgDoc struct {
	b strings.Builder
}

func (d *svgDoc) open(w, h int, title, desc string) {
	fmt.Fprintf(&d.b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" %s font-size="12">`+"\n", w, h, w, h, svgFont)
	fmt.Fprintf(&d.b, "<title>%s</title>\n<desc>%s</desc>\n", esc(title), esc(desc))
	fmt.Fprintf(&d.b, `<rect x="0" y="0" width="%d" height="%d" fill="#ffffff"/>`+"\n", w, h)
}

// text writes a <text>; tip, when set, is its tooltip.
func (d *svgDoc) text(x, y float64, anchor, color, extra, s string) {
	fmt.Fprintf(&d.b, `<text x="%s" y="%s" text-anchor="%s" fill="%s"%s>%s</text>`+"\n", num(x), num(y), anchor, color, extra, esc(s))
}

func (d *svgDoc) rect(x, y, w, h float64, color, tip string) {
	fmt.Fprintf(&d.b, `<rect x="%s" y="%s" width="%s" height="%s" fill="%s">%s</rect>`+"\n", num(x), num(y), num(math.Max(w, 1)), num(h), color, tipOf(tip))
}

func (d *svgDoc) line(x1, y1, x2, y2 float64, color, extra string) {
	fmt.Fprintf(&d.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"%s/>`+"\n", num(x1), num(y1), num(x2), num(y2), color, extra)
}

func (d *svgDoc) close(w io.Writer) error {
	d.b.WriteString("</svg>\n")
	_, err := io.WriteString(w, d.b.String())
	return err
}

func tipOf(s string) string {
	if s == "" {
		return ""
	}
	return "<title>" + esc(s) + "</title>"
}

func esc(s string) string { return html.EscapeString(s) }

// num prints a coordinate with at most one decimal, so that charts are
// byte-stable across platforms.
func num(f float64) string { return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64) }

// niceCeil rounds a time axis up to 1, 2 or 5 times a power of ten, and
// returns the tick step that divides it into at most ten.
func niceCeil(v float64) (top, step float64) {
	if v <= 0 {
		return 1, 0.2
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			top = m * p
			break
		}
	}
	step = top / 10
	if top/(step*2) >= 5 {
		step *= 2
	}
	return top, step
}

// wrap splits s into lines of at most n runes, at spaces.
func wrap(s string, n int) []string {
	var lines []string
	var cur []string
	length := 0
	for _, w := range strings.Fields(s) {
		if length > 0 && length+1+len([]rune(w)) > n {
			lines = append(lines, strings.Join(cur, " "))
			cur, length = nil, 0
		}
		if length > 0 {
			length++
		}
		cur = append(cur, w)
		length += len([]rune(w))
	}
	if len(cur) > 0 {
		lines = append(lines, strings.Join(cur, " "))
	}
	return lines
}
