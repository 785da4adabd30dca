package report

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// Comparison chart geometry, in pixels.
const (
	cmpWidth  = 960
	cmpLeft   = 200 // strategy names
	cmpRight  = 330 // what the database says, right of the bars
	cmpTop    = 64
	cmpRow    = 26
	cmpHeader = 24
)

// rowStatus says in a few words how a strategy ended (the database check:
// ok or damaged), and in which colour its bar is drawn: green ok, red
// damaged or never ready, amber hang (the last two striped: see
// compareLegend).
func rowStatus(r Row) (string, string) {
	var parts []string
	color := svgRan
	if !r.DBOK {
		color = svgCrashed
	}
	switch {
	case r.Hangs > 0:
		// A hang is its own failure, whatever the database says.
		parts, color = append(parts, "hang"), svgWaited
	case r.SecondsToLastReady == nil:
		parts, color = append(parts, "never ready"), svgCrashed
	default:
		parts = append(parts, fmt.Sprintf("ready %.2fs", *r.SecondsToLastReady))
	}
	if !r.DBOK {
		parts = append(parts, "damaged")
	} else {
		parts = append(parts, "ok")
	}
	if r.DoubleRuns > 0 {
		parts = append(parts, plural(r.DoubleRuns, "double run"))
	}
	if r.Failures > 0 {
		parts = append(parts, plural(r.Failures, "failure"))
	}
	return strings.Join(parts, " · "), color
}

// WriteComparisonSVG writes lab:compare as a bar chart: per strategy, with
// and without CREATE INDEX CONCURRENTLY, the seconds until the last replica
// was ready (a full-width bar when it never was), coloured by what the
// database held, and the verdict under it.
func WriteComparisonSVG(w io.Writer, c *Comparison) error {
	maxReady := 0.0
	for _, r := range c.Rows {
		if r.SecondsToLastReady != nil {
			maxReady = math.Max(maxReady, *r.SecondsToLastReady)
		}
	}
	top, step := niceCeil(maxReady * 1.1)
	plotW := float64(cmpWidth - cmpLeft - cmpRight)
	x := func(t float64) float64 { return cmpLeft + math.Min(t, top)/top*plotW }
	groups := []struct {
		cic   bool
		title string
	}{{true, "with CREATE INDEX CONCURRENTLY"}, {false, "without CREATE INDEX CONCURRENTLY"}}
	verdict := wrap("verdict: "+c.Verdict, 130)
	y := float64(cmpTop)
	axisY := y + float64(len(groups)*cmpHeader+len(c.Rows)*cmpRow) + 6
	legendY := axisY + 48
	verdictY := legendY + float64(len(compareLegend)*20) + 12
	height := int(verdictY) + 18*len(verdict)

	labels := uniqueStrategies(c.Rows)
	var d svgDoc
	d.open(cmpWidth, height, "lab:compare — the same deployment under each strategy",
		"Seconds until the last replica was ready, per strategy, with and without CREATE INDEX CONCURRENTLY; bar colour: green ok, red damaged; a striped bar that runs off the axis: never ready (red) or hung (amber), no time to show; right of each bar, what the database check found (ok or damaged).\nshows: "+
			strings.Join(labels, "; ")+"; "+groups[0].title+"; "+groups[1].title+"; seconds until the last replica was ready; "+compareLegendLabels()+"; verdict")
	d.b.WriteString(hatchDefs)
	d.text(12, 26, "start", svgInk, ` font-size="16" font-weight="bold"`, "lab:compare — the same deployment under each strategy")
	d.text(12, 48, "start", svgFaint, "", fmt.Sprintf("runtime: %s · postgres: %s · replicas: %d · slow step: %s · right of each bar: the database check", c.Runtime, c.Postgres, c.Replicas, seconds(c.Backfill)))
	for _, g := range groups {
		d.text(12, y+16, "start", svgInk, ` font-weight="bold"`, g.title)
		y += cmpHeader
		for _, r := range c.Rows {
			if r.CreateIndex != g.cic {
				continue
			}
			writeCompareRow(&d, y, r, x, top)
			y += cmpRow
		}
	}
	writeAxis(&d, axisY, top, step, x, "seconds until the last replica was ready")
	for i, l := range compareLegend {
		ly := legendY + float64(i*20)
		fmt.Fprintf(&d.b, `<rect x="12" y="%s" width="40" height="14" fill="%s"/>`+"\n", num(ly-11), l.fill)
		if l.arrow {
			writeRunOff(&d, 52, ly-4, l.color)
		}
		d.text(70, ly, "start", svgInk, "", l.label)
	}
	for i, l := range verdict {
		color := svgRan
		if !c.Showed {
			color = svgCrashed
		}
		d.text(12, verdictY+float64(i*18), "start", color, ` font-weight="bold"`, l)
	}
	return d.close(w)
}

// hatchDefs are the stripes of a bar with no time to show.
const hatchDefs = `<defs>
<pattern id="never-ready" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#f4c7c7"/><rect width="4" height="8" fill="` + svgCrashed + `"/></pattern>
<pattern id="hang" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#fde9b8"/><rect width="4" height="8" fill="` + svgWaited + `"/></pattern>
</defs>
`

// compareLegend says what the bars mean: a striped bar is not a time
// (issue 21: the never-ready and hang bars read as "20 s").
var compareLegend = []struct {
	label, fill, color string
	arrow              bool
}{
	{"ready: the last replica was ready after this long; the database is as designed", svgRan, svgRan, false},
	{"ready, but the database is damaged", svgCrashed, svgCrashed, false},
	{"never ready: no time to show, the bar runs off the axis", "url(#never-ready)", svgCrashed, true},
	{"hang: CREATE INDEX CONCURRENTLY waited forever; the lab cut the run short", "url(#hang)", svgWaited, true},
}

func compareLegendLabels() string {
	var ls []string
	for _, l := range compareLegend {
		ls = append(ls, l.label)
	}
	return strings.Join(ls, "; ")
}

// writeRunOff draws the arrowhead of a bar that runs off the axis.
func writeRunOff(d *svgDoc, x, mid float64, color string) {
	fmt.Fprintf(&d.b, `<path d="M%s %sl9 9l-9 9z" fill="%s"/>`+"\n", num(x), num(mid-9), color)
}

func writeCompareRow(d *svgDoc, y float64, r Row, x func(float64) float64, top float64) {
	mid := y + cmpRow/2
	status, color := rowStatus(r)
	d.text(cmpLeft-10, mid+4, "end", svgInk, "", r.Strategy)
	end := top
	if r.SecondsToLastReady != nil {
		end = *r.SecondsToLastReady
	}
	fill := color
	if r.SecondsToLastReady == nil {
		fill = "url(#never-ready)"
		if r.Hangs > 0 {
			fill = "url(#hang)"
		}
		writeRunOff(d, x(top), mid, color)
	}
	fmt.Fprintf(&d.b, `<rect x="%s" y="%s" width="%s" height="14" fill="%s">%s</rect>`+"\n",
		num(x(0)), num(mid-7), num(math.Max(x(end)-x(0), 1)), fill, tipOf(r.Strategy+", CIC "+yesNo(r.CreateIndex)+": "+status))
	d.text(cmpWidth-cmpRight+16, mid+4, "start", color, "", status)
}

func uniqueStrategies(rows []Row) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if !seen[r.Strategy] {
			seen[r.Strategy] = true
			out = append(out, r.Strategy)
		}
	}
	return out
}
