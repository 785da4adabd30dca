package report

import (
	"fmt"
	"html"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// The chart is drawn by hand: a scatter of four points and a few step lines
// take this one file of SVG, less than wiring a plotting library
// (gonum/plot would bring fonts and image packages into go.mod for it), and
// the output stays byte-for-byte reproducible.

const (
	svgW     = 960
	marginL  = 70
	marginR  = 240
	scatterT = 50
	scatterH = 230
	stripH   = 96
	stripGap = 48
)

var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f", "#76b7b2"}

// WriteSVG draws results: cost against p95 queue wait, then for each result
// the nodes per pool over its recorded timeline window, with preemptions.
func WriteSVG(w io.Writer, results []*sim.Result) error {
	var b strings.Builder
	height := scatterT + scatterH + 60 + len(results)*(stripH+stripGap) + 10
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", svgW, height, svgW, height)
	// A title and a "shows:" list, the convention every committed chart
	// follows (internal/svgcheck): screen readers and docs' test read them.
	var names []string
	for _, r := range results {
		names = append(names, r.Scenario+": nodes per pool")
	}
	fmt.Fprintf(&b, "<title>CI on Kubernetes node pools: cost against p95 queue wait, and one day of nodes per pool</title>\n")
	fmt.Fprintf(&b, "<desc>The simulator's scenarios side by side: each scenario's cost against its p95 queue wait, then one day of nodes per pool with the preemptions marked.\nshows: %s</desc>\n",
		html.EscapeString(strings.Join(append([]string{"p95 queue wait"}, names...), "; ")))
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	writeScatter(&b, results)
	y := scatterT + scatterH + 60
	for _, r := range results {
		writeStrip(&b, r, y)
		y += stripH + stripGap
	}
	b.WriteString("</svg>\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write svg: %w", err)
	}
	return nil
}

func text(b *strings.Builder, x, y float64, anchor, style, s string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="%s"%s>%s</text>`+"\n", x, y, anchor, style, html.EscapeString(s))
}

// roundAxis divides [0, v] into at most five round steps, one of steps
// (ascending) or, past the last, a multiple of it; it returns the axis's end
// and the step.
func roundAxis(v float64, steps []float64) (top, step float64) {
	if v <= 0 {
		return steps[0] * 5, steps[0]
	}
	for _, s := range steps {
		if math.Ceil(v/s) <= 5 {
			return math.Ceil(v/s) * s, s
		}
	}
	last := steps[len(steps)-1]
	step = last * math.Ceil(v/last/5)
	return math.Ceil(v/step) * step, step
}

// waitSteps are round queue waits, in seconds: 1 s up to a day.
var waitSteps = []float64{1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400}

// costSteps are 1, 2, 2.5 and 5 times the powers of ten from 0.01 to 10^9.
var costSteps = func() []float64 {
	var out []float64
	for p := 0.01; p < 1e10; p *= 10 {
		out = append(out, p, 2*p, 2.5*p, 5*p)
	}
	return out
}()

// noJobBand is the width, right of the scatter, of the column where a
// scenario in which no job ran is marked: it has no wait to plot, and
// drawing it at the axis's end would read as the longest wait (issue 21).
const noJobBand = 110

func writeScatter(b *strings.Builder, results []*sim.Result) {
	plotW := float64(svgW - marginL - marginR)
	x0, y0 := float64(marginL), float64(scatterT+scatterH)
	maxWait, maxCost, noJob := 0.0, 0.0, false
	for _, r := range results {
		if r.Wait.N > 0 {
			maxWait = max(maxWait, r.Wait.P95.Seconds())
		} else {
			noJob = true
		}
		maxCost = max(maxCost, r.Cost)
	}
	areaW := plotW
	if noJob {
		areaW -= noJobBand
	}
	topWait, waitStep := roundAxis(maxWait*1.05, waitSteps)
	topCost, costStep := roundAxis(maxCost*1.05, costSteps)
	cur := ""
	if len(results) > 0 {
		cur = results[0].Currency
	}
	text(b, float64(svgW)/2, 24, "middle", ` font-size="16" font-weight="bold"`, "Cost against p95 queue wait, and one day of nodes per pool")
	fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="none" stroke="#999"/>`+"\n", x0, scatterT, areaW, scatterH)
	for t := 0.0; t <= topWait+waitStep/2; t += waitStep {
		x := x0 + t/topWait*areaW
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", x, scatterT, x, y0)
		text(b, x, y0+16, "middle", "", short(time.Duration(t)*time.Second))
	}
	for c := 0.0; c <= topCost+costStep/2; c += costStep {
		y := y0 - c/topCost*scatterH
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", x0, y, x0+areaW, y)
		text(b, x0-6, y+4, "end", "", strconv.FormatFloat(c, 'f', -1, 64))
	}
	text(b, x0+areaW/2, y0+36, "middle", "", "p95 queue wait (job created in GitLab → pod running)")
	fmt.Fprintf(b, `<text x="16" y="%.1f" transform="rotate(-90 16 %.1f)" text-anchor="middle">cost of the run, %s</text>`+"\n", y0-scatterH/2, y0-scatterH/2, html.EscapeString(cur))
	bandX := x0 + areaW + noJobBand/2 + 10
	if noJob {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#999" stroke-dasharray="4 4"/>`+"\n", x0+areaW+20, scatterT, x0+areaW+20, y0)
		text(b, bandX, y0+16, "middle", ` font-weight="bold"`, "no job ran")
		text(b, bandX, y0+32, "middle", ` fill="#666"`, "(no wait to plot)")
	}
	for i, r := range results {
		color := palette[i%len(palette)]
		y := y0 - r.Cost/topCost*scatterH
		if r.Wait.N == 0 {
			fmt.Fprintf(b, `<path d="M%.1f %.1f l7 -7 l7 7 l-7 7 z" fill="white" stroke="%s" stroke-width="2.5"/>`+"\n", bandX-7, y, color)
			text(b, bandX+14, y+4, "start", fmt.Sprintf(` fill="%s"`, color), r.Scenario)
			continue
		}
		x := x0 + r.Wait.P95.Seconds()/topWait*areaW
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="6" fill="%s"/>`+"\n", x, y, color)
		text(b, x+10, y+4-float64(i%2)*12, "start", fmt.Sprintf(` fill="%s"`, color), r.Scenario)
	}
}

func writeStrip(b *strings.Builder, r *sim.Result, top int) {
	plotW := float64(svgW - marginL - marginR)
	x0 := float64(marginL)
	tl := r.Timeline
	text(b, x0, float64(top)-6, "start", ` font-weight="bold"`, r.Scenario+": nodes per pool"+dayOf(tl))
	fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="none" stroke="#999"/>`+"\n", x0, top, plotW, stripH)
	if tl == nil || len(tl.Pools) == 0 {
		text(b, x0+plotW/2, float64(top+stripH/2), "middle", "", "no timeline recorded")
		return
	}
	from, to := tl.From.Seconds(), tl.To.Seconds()
	maxNodes := 1
	for _, p := range tl.Points {
		maxNodes = max(maxNodes, p.Nodes)
	}
	xOf := func(t float64) float64 { return x0 + (t-from)/(to-from)*plotW }
	yOf := func(n int) float64 { return float64(top+stripH) - float64(n)/float64(maxNodes)*float64(stripH-8) }
	for h := 0; h <= 24; h += 6 {
		x := x0 + float64(h)/24*plotW
		text(b, x, float64(top+stripH)+14, "middle", ` fill="#666"`, fmt.Sprintf("%02d:00", (int(from/3600)+h)%24))
	}
	text(b, x0-6, yOf(maxNodes)+4, "end", ` fill="#666"`, fmt.Sprint(maxNodes))
	text(b, x0-6, yOf(0)+4, "end", ` fill="#666"`, "0")
	for pi, name := range tl.Pools {
		color := palette[pi%len(palette)]
		var d strings.Builder
		last := -1
		for i, p := range tl.Points {
			if p.Pool != pi || p.Nodes == last {
				continue
			}
			if next := nextOfPool(tl.Points, i); next >= 0 && tl.Points[next].T == p.T {
				continue // superseded at the same instant (a VM replaced by its successor)
			}
			x := xOf(p.T.Seconds())
			if last < 0 {
				fmt.Fprintf(&d, "M%.1f %.1f", x, yOf(p.Nodes))
			} else {
				fmt.Fprintf(&d, " H%.1f V%.1f", x, yOf(p.Nodes))
			}
			last = p.Nodes
		}
		if last >= 0 {
			fmt.Fprintf(&d, " H%.1f", xOf(to))
			fmt.Fprintf(b, `<path d="%s" fill="none" stroke="%s" stroke-width="2"/>`+"\n", d.String(), color)
		}
		text(b, x0+plotW+12, float64(top+16+pi*16), "start", fmt.Sprintf(` fill="%s"`, color), name)
	}
	for _, m := range tl.Preemptions {
		x := xOf(m.T.Seconds())
		fmt.Fprintf(b, `<path d="M%.1f %d h8 l-4 8 z" fill="#d62728"><title>preemption at %s</title></path>`+"\n", x-4, top+2, short(m.T))
	}
	if len(tl.Preemptions) > 0 {
		text(b, x0+plotW+12, float64(top+16+len(tl.Pools)*16), "start", ` fill="#d62728"`, fmt.Sprintf("▼ %d preemptions", len(tl.Preemptions)))
	}
}

// weekdays are the days of a run, whose time 0 is a Monday 00:00.
var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

// dayOf names the day a timeline shows: " on Tuesday (day 2 of the run)".
func dayOf(tl *sim.Timeline) string {
	if tl == nil {
		return ""
	}
	day := int(tl.From / (24 * time.Hour))
	return fmt.Sprintf(" on %s (day %d of the run)", weekdays[day%7], day+1)
}

// nextOfPool is the index of the next point of the same pool after i, or -1.
func nextOfPool(pts []sim.TimelinePoint, i int) int {
	for j := i + 1; j < len(pts); j++ {
		if pts[j].Pool == pts[i].Pool {
			return j
		}
	}
	return -1
}
