package report

import (
	"fmt"
	"html"
	"io"
	"math"
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

// niceMax rounds v up to 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func writeScatter(b *strings.Builder, results []*sim.Result) {
	plotW := float64(svgW - marginL - marginR)
	x0, y0 := float64(marginL), float64(scatterT+scatterH)
	maxWait, maxCost := 0.0, 0.0
	for _, r := range results {
		if r.Wait.N > 0 {
			maxWait = max(maxWait, r.Wait.P95.Seconds())
		}
		maxCost = max(maxCost, r.Cost)
	}
	maxWait, maxCost = niceMax(maxWait*1.1), niceMax(maxCost*1.1)
	cur := ""
	if len(results) > 0 {
		cur = results[0].Currency
	}
	text(b, float64(svgW)/2, 22, "middle", ` font-size="15" font-weight="bold"`, "Cost against p95 queue wait, and one day of nodes per pool")
	fmt.Fprintf(b, `<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="none" stroke="#999"/>`+"\n", x0, scatterT, plotW, scatterH)
	for i := 0; i <= 4; i++ {
		f := float64(i) / 4
		x := x0 + f*plotW
		y := y0 - f*scatterH
		fmt.Fprintf(b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", x, scatterT, x, y0)
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#eee"/>`+"\n", x0, y, x0+plotW, y)
		text(b, x, y0+16, "middle", "", short(time.Duration(f*maxWait)*time.Second))
		text(b, x0-6, y+4, "end", "", fmt.Sprintf("%.0f", f*maxCost))
	}
	text(b, x0+plotW/2, y0+36, "middle", "", "p95 queue wait (job created in GitLab → pod running)")
	fmt.Fprintf(b, `<text x="16" y="%.1f" transform="rotate(-90 16 %.1f)" text-anchor="middle">cost of the run, %s</text>`+"\n", y0-scatterH/2, y0-scatterH/2, html.EscapeString(cur))
	for i, r := range results {
		color := palette[i%len(palette)]
		y := y0 - r.Cost/maxCost*scatterH
		label := r.Scenario
		if r.Wait.N == 0 {
			// No job ever started: there is no wait to plot; pin it to the edge.
			x := x0 + plotW
			fmt.Fprintf(b, `<path d="M%.1f %.1f l6 -6 l6 6 l-6 6 z" fill="%s"/>`+"\n", x-6, y, color)
			text(b, x-10, y+18, "end", fmt.Sprintf(` fill="%s"`, color), label+": no job ever ran")
			continue
		}
		x := x0 + r.Wait.P95.Seconds()/maxWait*plotW
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="6" fill="%s"/>`+"\n", x, y, color)
		text(b, x+10, y+4-float64(i%2)*12, "start", fmt.Sprintf(` fill="%s"`, color), label)
	}
}

func writeStrip(b *strings.Builder, r *sim.Result, top int) {
	plotW := float64(svgW - marginL - marginR)
	x0 := float64(marginL)
	tl := r.Timeline
	text(b, x0, float64(top)-6, "start", ` font-weight="bold"`, r.Scenario+": nodes per pool")
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

// nextOfPool is the index of the next point of the same pool after i, or -1.
func nextOfPool(pts []sim.TimelinePoint, i int) int {
	for j := i + 1; j < len(pts); j++ {
		if pts[j].Pool == pts[i].Pool {
			return j
		}
	}
	return -1
}
