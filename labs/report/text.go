package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Text options.
type Text struct {
	// Color adds ANSI colours (when stdout is a terminal).
	Color bool
}

const (
	red    = "31"
	green  = "32"
	yellow = "33"
	cyan   = "36"
	bold   = "1"
	dim    = "2"
)

func (t Text) paint(code, s string) string {
	if !t.Color || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// WriteJSON writes v (a *Result or *Comparison) as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("report: json: %w", err)
	}
	return nil
}

// WriteResult writes a lab run as text: header, timeline, database check,
// verdict.
func (t Text) WriteResult(w io.Writer, r *Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n", t.paint(bold, "lab:"+r.Lab), r.Title)
	fmt.Fprintf(&b, "runtime: %s   postgres: %s   replicas: %d   slow step: %s   CREATE INDEX CONCURRENTLY: %s\n",
		r.Runtime, r.Postgres, r.Replicas, seconds(r.Backfill), yesNo(r.CreateIndex))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "%s\n", t.paint(dim, "note: "+n))
	}
	b.WriteString("\ntimeline, in seconds from the instant all replicas were released together:\n")
	t.writeTimeline(&b, r.ReplicaOutcomes)
	if r.Hang != "" {
		fmt.Fprintf(&b, "%s %s\n", t.paint(yellow, "hang:"), r.Hang)
	}
	b.WriteString("\ndatabase check (what the database holds, not what the replicas said):\n")
	if r.DBOK {
		fmt.Fprintf(&b, "  %s exactly as designed: tables and column present, each seed row once, each goose version once%s, the one-time step ran once\n",
			t.paint(green, "ok"), map[bool]string{true: ", unique index valid", false: ""}[r.CreateIndex])
	}
	for _, p := range r.DBProblems {
		fmt.Fprintf(&b, "  %s %s\n", t.paint(red, "✗"), p)
	}
	fmt.Fprintf(&b, "\nruns of the one-time step: %d   crashes: %d   hangs: %d   last replica ready: %s   peak connections: %d   run: %s\n",
		r.RunsOfStep, r.Crashes, r.Hangs, lastReady(r.SecondsToLastReady, r.Hangs), r.PeakConnections, seconds(r.Seconds))
	color := green
	if !r.Showed {
		color = red
	}
	fmt.Fprintf(&b, "%s %s\n", t.paint(color, "verdict:"), r.Verdict)
	_, err := io.WriteString(w, b.String())
	return err
}

func (t Text) writeTimeline(b *strings.Builder, reps []Replica) {
	cells := make([][3]string, len(reps))
	var w [3]int
	for i, r := range reps {
		ready := "never ready"
		if r.SecondsToReady != nil {
			ready = "ready " + seconds(*r.SecondsToReady)
		}
		cells[i] = [3]string{r.Name, string(r.Outcome), plural(r.Restarts, "restart")}
		cells[i][2] += ", " + ready
		for k := range w {
			w[k] = max(w[k], len(cells[i][k]))
		}
	}
	for i, r := range reps {
		outcome := fmt.Sprintf("%-*s", w[1], r.Outcome)
		switch r.Outcome {
		case Ran:
			outcome = t.paint(green, outcome)
		case Skipped:
			outcome = t.paint(cyan, outcome)
		case Crashed:
			outcome = t.paint(red, outcome)
		case Hung:
			outcome = t.paint(yellow, outcome)
		}
		fmt.Fprintf(b, "  %-*s  %s  %-*s  %s\n", w[0], r.Name, outcome, w[2], cells[i][2], t.steps(r.Events))
	}
}

// steps renders a replica's events as one line; consecutive crashes with
// the same reason collapse into one "crash ×N".
func (t Text) steps(evs []Event) string {
	var parts []string
	for i := 0; i < len(evs); i++ {
		e := evs[i]
		at := fmt.Sprintf("%.2f ", e.At)
		switch e.Kind {
		case "crashed":
			n := 1
			for j := i + 1; j < len(evs); j++ {
				if evs[j].Kind == "restarted" {
					continue
				}
				if evs[j].Kind == "crashed" && evs[j].Detail == e.Detail && code(evs[j]) == code(e) {
					n++
					i = j
					continue
				}
				break
			}
			label := "crash"
			if n > 1 {
				label = fmt.Sprintf("crash ×%d", n)
			}
			what := fmt.Sprintf("exit %d", code(e))
			if e.Init {
				what = "init " + what
			}
			if e.Detail != "" {
				what += ": " + e.Detail
			}
			parts = append(parts, at+t.paint(red, label)+" ("+what+")")
		case "ran":
			parts = append(parts, at+t.paint(green, "ran the step"))
		case "migrated":
			parts = append(parts, at+"migrated "+e.Detail)
		case "skipped":
			s := "skipped"
			if e.Detail != "" {
				s += " (" + e.Detail + ")"
			}
			parts = append(parts, at+t.paint(cyan, s))
		case "waited":
			parts = append(parts, at+t.paint(yellow, "waited "+e.Detail))
		case "init-done":
			// After "skipped" or "migrated" it says nothing new.
			if i == 0 || (evs[i-1].Kind != "skipped" && evs[i-1].Kind != "migrated") {
				parts = append(parts, at+"init exit 0")
			}
		case "ready":
			parts = append(parts, at+t.paint(green, "ready"))
		case "error":
			parts = append(parts, at+t.paint(red, e.Detail))
		case "gave-up":
			parts = append(parts, at+t.paint(red, "gave up"))
		case "hung":
			s := "still waiting"
			if e.Detail != "" {
				s += " (" + e.Detail + ")"
			}
			parts = append(parts, at+t.paint(yellow, s))
		}
	}
	return strings.Join(parts, " · ")
}

// WriteComparison writes lab:compare's table and verdict.
func (t Text) WriteComparison(w io.Writer, c *Comparison) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — the same deployment under each strategy, with and without CREATE INDEX CONCURRENTLY\n", t.paint(bold, "lab:compare"))
	fmt.Fprintf(&b, "runtime: %s   postgres: %s   replicas: %d   slow step: %s\n", c.Runtime, c.Postgres, c.Replicas, seconds(c.Backfill))
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "%s\n", t.paint(dim, "note: "+n))
	}
	b.WriteString("\n")
	header := []string{"strategy", "CIC", "failures", "double runs", "hangs", "last ready", "peak conns", "database"}
	rows := [][]string{header}
	for _, r := range c.Rows {
		if r.Skipped != "" {
			rows = append(rows, []string{r.Strategy, yesNo(r.CreateIndex), "-", "-", "-", "-", "-", "not run: " + r.Skipped})
			continue
		}
		db := "ok"
		if !r.DBOK {
			db = "damaged"
		}
		rows = append(rows, []string{r.Strategy, yesNo(r.CreateIndex), fmt.Sprint(r.Failures), fmt.Sprint(r.DoubleRuns),
			fmt.Sprint(r.Hangs), lastReady(r.SecondsToLastReady, r.Hangs), fmt.Sprint(r.PeakConnections), db})
	}
	widths := make([]int, len(header))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], len([]rune(cell)))
		}
	}
	for k, row := range rows {
		b.WriteString(" ")
		for i, cell := range row {
			pad := widths[i] - len([]rune(cell))
			if k > 0 && i == len(row)-1 {
				switch {
				case cell == "ok":
					cell = t.paint(green, cell)
				case cell == "damaged":
					cell = t.paint(red, cell)
				}
			}
			if k > 0 && i == 5 && cell == "hang" {
				cell = t.paint(yellow, cell)
			}
			b.WriteString(" " + cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", pad+1))
			}
		}
		b.WriteString("\n")
	}
	for _, r := range c.Rows {
		if r.Hang != "" {
			fmt.Fprintf(&b, "%s %s, CIC %s: %s\n", t.paint(yellow, "hang:"), r.Strategy, yesNo(r.CreateIndex), r.Hang)
		}
	}
	for _, r := range c.Rows {
		if len(r.DBProblems) > 0 {
			fmt.Fprintf(&b, "%s %s, CIC %s: %s\n", t.paint(red, "damage:"), r.Strategy, yesNo(r.CreateIndex), strings.Join(r.DBProblems, "; "))
		}
	}
	color := green
	if !c.Showed {
		color = red
	}
	fmt.Fprintf(&b, "%s %s\n", t.paint(color, "verdict:"), c.Verdict)
	_, err := io.WriteString(w, b.String())
	return err
}

func code(e Event) int {
	if e.ExitCode == nil {
		return 0
	}
	return *e.ExitCode
}

func seconds(s float64) string { return fmt.Sprintf("%.2fs", s) }

func lastReady(s *float64, hangs int) string {
	switch {
	case s != nil:
		return seconds(*s)
	case hangs > 0:
		return "hang"
	default:
		return "never"
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
