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
// damaged or never ready, amber hang.
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
	verdict := wrap("verdict: "+c.Verdict, 150)
	y := float64(cmpTop)
	axisY := y + float64(len(groups)*cmpHeader+len(c.Rows)*cmpRow) + 6
	height := int(axisY) + 44 + 16*len(verdict)

	labels := uniqueStrategies(c.Rows)
	var d svgDoc
	d.open(cmpWidth, height, "lab:compare — the same deployment under each strategy",
		"Seconds until the last replica was ready, per strategy, with and without CREATE INDEX CONCURRENTLY; bar colour: green ok, red damaged or never ready, amber hang; right of each bar, what the database check found (ok or damaged).\nshows: "+
			strings.Join(labels, "; ")+"; "+groups[0].title+"; "+groups[1].title+"; seconds until the last replica was ready; verdict")
	d.text(12, 24, "start", svgInk, ` font-size="15" font-weight="bold"`, "lab:compare — the same deployment under each strategy")
	d.text(12, 44, "start", svgFaint, "", fmt.Sprintf("runtime: %s · postgres: %s · replicas: %d · slow step: %s · right of each bar: the database check", c.Runtime, c.Postgres, c.Replicas, seconds(c.Backfill)))
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
	for i, l := range verdict {
		color := svgRan
		if !c.Showed {
			color = svgCrashed
		}
		d.text(12, axisY+44+float64(i*16), "start", color, "", l)
	}
	return d.close(w)
}

func writeCompareRow(d *svgDoc, y float64, r Row, x func(float64) float64, top float64) {
	mid := y + cmpRow/2
	status, color := rowStatus(r)
	d.text(cmpLeft-10, mid+4, "end", svgInk, "", r.Strategy)
	end := top
	if r.SecondsToLastReady != nil {
		end = *r.SecondsToLastReady
	}
	opacity := ""
	if r.SecondsToLastReady == nil {
		opacity = ` fill-opacity="0.35"`
	}
	fmt.Fprintf(&d.b, `<rect x="%s" y="%s" width="%s" height="14" fill="%s"%s>%s</rect>`+"\n",
		num(x(0)), num(mid-7), num(math.Max(x(end)-x(0), 1)), color, opacity, tipOf(r.Strategy+", CIC "+yesNo(r.CreateIndex)+": "+status))
	d.text(cmpWidth-cmpRight+12, mid+4, "start", color, "", status)
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
