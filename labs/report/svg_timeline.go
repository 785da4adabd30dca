package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Swimlane geometry, in pixels.
const (
	laneWidth   = 960
	laneLeft    = 100 // replica names
	laneRight   = 230 // outcome, right of the plot
	laneTop     = 72
	laneHeight  = 30
	laneBarSize = 12
)

// span is a bar on a replica's lane: the step running, or a wait.
type span struct {
	From, To float64
	Color    string
	Tip      string
}

// mark is a point on a replica's lane.
type mark struct {
	At   float64
	Kind string // migrated, crashed, skipped, ready, gave-up, error
	Tip  string
}

// lane turns a replica's events into bars and marks. A step runs from
// "ran" to the replica's next migrated, crashed, error, gave-up or hung
// event (or end, when none came); a wait lasts the duration its detail
// starts with ("1.55s for the lock").
func lane(evs []Event, end float64) ([]span, []mark) {
	var spans []span
	var marks []mark
	for i, e := range evs {
		tip := fmt.Sprintf("%.2fs %s", e.At, e.Kind)
		if e.Detail != "" {
			tip += ": " + e.Detail
		}
		switch e.Kind {
		case "ran":
			to := end
			for _, n := range evs[i+1:] {
				if n.Kind == "migrated" || n.Kind == "crashed" || n.Kind == "error" || n.Kind == "gave-up" || n.Kind == "hung" {
					to = n.At
					break
				}
			}
			spans = append(spans, span{e.At, to, svgRan, fmt.Sprintf("%.2fs ran the step (%s) until %.2fs", e.At, e.Detail, to)})
		case "waited":
			d := 0.0
			if f := strings.Fields(e.Detail); len(f) > 0 {
				if p, err := time.ParseDuration(f[0]); err == nil {
					d = p.Seconds()
				}
			}
			spans = append(spans, span{e.At, e.At + d, svgWaited, tip})
		case "hung":
			spans = append(spans, span{e.At, end, svgWaited, tip})
		case "crashed":
			tip = fmt.Sprintf("%.2fs crashed, exit %d", e.At, code(e))
			if e.Detail != "" {
				tip += ": " + e.Detail
			}
			marks = append(marks, mark{e.At, e.Kind, tip})
		case "migrated", "skipped", "ready", "gave-up", "error":
			marks = append(marks, mark{e.At, e.Kind, tip})
		}
	}
	return spans, marks
}

// TimelineEnd is the last second a run's timeline chart shows: the run's
// end, or the last event (a wait included) if later.
func TimelineEnd(r *Result) float64 {
	end := r.Seconds
	for _, rep := range r.ReplicaOutcomes {
		spans, marks := lane(rep.Events, 0)
		for _, s := range spans {
			end = math.Max(end, s.To)
		}
		for _, m := range marks {
			end = math.Max(end, m.At)
		}
	}
	return end
}

// WriteSVG writes a lab run's per-replica timeline as an SVG swimlane
// chart: one lane per replica, with when it ran the step, migrated,
// crashed, waited for the lock, skipped, became ready and gave up, its
// outcome on the right; a lane for the database check with what it found;
// and the verdict under the chart, red when the database is damaged or
// the lab did not show what it exists to show.
func WriteSVG(w io.Writer, r *Result) error {
	return WriteSVGOnAxis(w, r, 0)
}

// WriteSVGOnAxis is WriteSVG on a time axis that reaches at least
// axisEnd seconds, so that two charts drawn side by side (race and fix)
// share one scale: pass both the larger of their [TimelineEnd]s.
func WriteSVGOnAxis(w io.Writer, r *Result, axisEnd float64) error {
	end := TimelineEnd(r)
	top, step := niceCeil(math.Max(end, axisEnd))
	plotW := float64(laneWidth - laneLeft - laneRight)
	x := func(t float64) float64 { return laneLeft + t/top*plotW }
	verdict := wrap("verdict: "+r.Verdict, 130)
	problems := dbProblemLines(r)
	axisY := float64(laneTop + (len(r.ReplicaOutcomes)+1)*laneHeight + 8)
	listY := axisY + 70
	verdictY := listY + float64(len(problems)*18) + 8
	height := int(verdictY) + 18*len(verdict)

	var names []string
	for _, rep := range r.ReplicaOutcomes {
		names = append(names, rep.Name)
	}
	var d svgDoc
	d.open(laneWidth, height, "lab:"+r.Lab+" — "+r.Title,
		"Per-replica timeline of one lab run, in seconds from the release of all replicas; the database check as its own lane, what it found under the chart, and the verdict.\nshows: "+
			strings.Join(names, "; ")+"; "+legendLabels()+"; database check; verdict")
	d.text(12, 26, "start", svgInk, ` font-size="16" font-weight="bold"`, "lab:"+r.Lab+" — "+r.Title)
	d.text(12, 48, "start", svgFaint, "", fmt.Sprintf("runtime: %s · postgres: %s · replicas: %d · slow step: %s · CREATE INDEX CONCURRENTLY: %s",
		r.Runtime, r.Postgres, r.Replicas, seconds(r.Backfill), yesNo(r.CreateIndex)))
	for i, rep := range r.ReplicaOutcomes {
		writeLane(&d, float64(laneTop+i*laneHeight), rep, end, x)
	}
	writeDBLane(&d, float64(laneTop+len(r.ReplicaOutcomes)*laneHeight), r, x)
	writeAxis(&d, axisY, top, step, x, "seconds from the release of all replicas")
	writeLegend(&d, axisY+44)
	for i, l := range problems {
		lx, extra := 12.0, ""
		switch {
		case i == 0:
			extra = ` font-weight="bold"`
		case !strings.HasPrefix(l, "• "):
			lx = 24 // a problem's second line, under its first's text
		}
		d.text(lx, listY+float64(i*18), "start", svgCrashed, extra, l)
	}
	color := svgRan
	if !r.DBOK || !r.Showed {
		color = svgCrashed
	}
	for i, l := range verdict {
		d.text(12, verdictY+float64(i*18), "start", color, ` font-weight="bold"`, l)
	}
	return d.close(w)
}

// dbProblemLines lists what the database check found wrong under a
// heading, wrapped, one problem a bullet; none when the database is as
// designed.
func dbProblemLines(r *Result) []string {
	if len(r.DBProblems) == 0 {
		return nil
	}
	out := []string{"the database check found:"}
	for _, p := range r.DBProblems {
		for i, l := range wrap(p, 122) {
			if i == 0 {
				l = "• " + l
			}
			out = append(out, l)
		}
	}
	return out
}

// writeDBLane draws the database check as a lane: a square when it ran,
// and what it found on the right.
func writeDBLane(d *svgDoc, y float64, r *Result, x func(float64) float64) {
	mid := y + laneHeight/2
	color, found := svgRan, "database check: as designed"
	if !r.DBOK {
		color, found = svgCrashed, "database check: "+plural(len(r.DBProblems), "problem")
	}
	d.text(laneLeft-10, mid+4, "end", svgInk, ` font-weight="bold"`, "database")
	d.line(x(0), mid, x(r.Seconds), mid, "#e0e0e0", ` stroke-dasharray="4 4"`)
	fmt.Fprintf(&d.b, `<rect x="%s" y="%s" width="12" height="12" fill="%s">%s</rect>`+"\n", num(x(r.Seconds)-6), num(mid-6), color, tipOf(fmt.Sprintf("%.2fs %s", r.Seconds, found)))
	d.text(laneWidth-laneRight+12, mid+4, "start", color, ` font-weight="bold"`, found)
}

func legendLabels() string {
	var ls []string
	for _, l := range swimlaneLegend {
		ls = append(ls, l.label)
	}
	return strings.Join(ls, "; ")
}

func writeLane(d *svgDoc, y float64, rep Replica, end float64, x func(float64) float64) {
	mid := y + laneHeight/2
	d.text(laneLeft-10, mid+4, "end", svgInk, "", rep.Name)
	d.line(x(0), mid, x(end), mid, "#e0e0e0", "")
	spans, marks := lane(rep.Events, end)
	for _, s := range spans {
		d.rect(x(s.From), mid-laneBarSize/2, x(s.To)-x(s.From), laneBarSize, s.Color, s.Tip)
	}
	for _, m := range marks {
		writeMark(d, x(m.At), mid, m)
	}
	outcome := string(rep.Outcome) + ", " + plural(rep.Restarts, "restart")
	if rep.SecondsToReady != nil {
		outcome += fmt.Sprintf(", ready %.2fs", *rep.SecondsToReady)
	} else {
		outcome += ", never ready"
	}
	d.text(laneWidth-laneRight+12, mid+4, "start", outcomeColor(rep.Outcome), "", outcome)
}

func writeMark(d *svgDoc, cx, cy float64, m mark) {
	switch m.Kind {
	case "migrated":
		fmt.Fprintf(&d.b, `<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2">%s</line>`+"\n", num(cx), num(cy-9), num(cx), num(cy+9), svgInk, tipOf(m.Tip))
	case "crashed", "error":
		fmt.Fprintf(&d.b, `<path d="M%s %sl8 8m0 -8l-8 8" stroke="%s" stroke-width="2.5">%s</path>`+"\n", num(cx-4), num(cy-4), svgCrashed, tipOf(m.Tip))
	case "skipped":
		fmt.Fprintf(&d.b, `<path d="M%s %sl6 6l-6 6l-6 -6z" fill="%s">%s</path>`+"\n", num(cx), num(cy-6), svgSkipped, tipOf(m.Tip))
	case "ready":
		fmt.Fprintf(&d.b, `<circle cx="%s" cy="%s" r="5" fill="%s">%s</circle>`+"\n", num(cx), num(cy), svgRan, tipOf(m.Tip))
	case "gave-up":
		fmt.Fprintf(&d.b, `<rect x="%s" y="%s" width="3" height="18" fill="%s">%s</rect>`+"\n", num(cx-1.5), num(cy-9), svgCrashed, tipOf(m.Tip))
	}
}

func outcomeColor(o Outcome) string {
	switch o {
	case Ran:
		return svgRan
	case Skipped:
		return svgSkipped
	case Crashed:
		return svgCrashed
	default:
		return svgWaited
	}
}

func writeAxis(d *svgDoc, y, top, step float64, x func(float64) float64, title string) {
	d.line(x(0), y, x(top), y, svgFaint, "")
	for t := 0.0; t <= top+step/2; t += step {
		d.line(x(t), y, x(t), y+4, svgFaint, "")
		d.text(x(t), y+16, "middle", svgFaint, ` font-size="11"`, strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.1f", t), "0"), ".")+"s")
	}
	d.text(x(top), y+30, "end", svgFaint, ` font-size="11"`, title)
}

func writeLegend(d *svgDoc, y float64) {
	lx := 12.0
	for _, l := range swimlaneLegend {
		if k := legendKind(l.label); k != "" {
			writeMark(d, lx+7, y-4, mark{Kind: k})
		} else {
			d.rect(lx, y-10, 14, laneBarSize, l.color, "")
		}
		d.text(lx+20, y, "start", svgInk, "", l.label)
		lx += 20 + float64(len(l.label))*7 + 18
	}
}

// legendKind is the mark a legend label shows ("" for the bars).
func legendKind(label string) string {
	switch label {
	case "migrated", "crashed", "skipped", "ready":
		return label
	case "gave up":
		return "gave-up"
	}
	return ""
}
