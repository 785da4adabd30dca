package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Text options.
type Text struct {
	// Color adds ANSI colours (when stdout is a terminal).
	Color bool
	// Width, when more than 0, wraps lines at that many columns: a
	// replica's steps go under its name, long notes and lines wrap with an
	// indent. 0 writes each item on one line, however long.
	Width int
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
	t.line(&b, "", "  ", t.paint(bold, "lab:"+r.Lab)+" —", r.Title)
	t.facts(&b, fmt.Sprintf("runtime: %s", r.Runtime), fmt.Sprintf("postgres: %s", r.Postgres), fmt.Sprintf("replicas: %d", r.Replicas),
		"slow step: "+seconds(r.Backfill), "CREATE INDEX CONCURRENTLY: "+yesNo(r.CreateIndex))
	for _, n := range r.Notes {
		t.line(&b, "", "      ", t.paint(dim, "note: "+n))
	}
	b.WriteString("\ntimeline, in seconds from the instant all replicas were released together:\n")
	t.writeTimeline(&b, r.ReplicaOutcomes)
	if r.Hang != "" {
		t.line(&b, "", "  ", t.paint(yellow, "hang:"), r.Hang)
	}
	b.WriteString("\ndatabase check (what the database holds, not what the replicas said):\n")
	if r.DBOK {
		t.line(&b, "  ", "     ", t.paint(green, "ok"), "exactly as designed: tables and column present, each seed row once, each goose version once"+
			map[bool]string{true: ", unique index valid", false: ""}[r.CreateIndex]+", the one-time step ran once")
	}
	for _, p := range r.DBProblems {
		t.line(&b, "  ", "    ", t.paint(red, "✗"), p)
	}
	b.WriteString("\n")
	t.facts(&b, fmt.Sprintf("runs of the one-time step: %d", r.RunsOfStep), fmt.Sprintf("crashes: %d", r.Crashes), fmt.Sprintf("hangs: %d", r.Hangs),
		"last replica ready: "+lastReady(r.SecondsToLastReady, r.Hangs), fmt.Sprintf("peak connections: %d", r.PeakConnections), "run: "+seconds(r.Seconds))
	color := green
	if !r.Showed {
		color = red
	}
	t.line(&b, "", "  ", t.paint(color, "verdict:"), r.Verdict)
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
		head := fmt.Sprintf("  %-*s  %s  %-*s", w[0], r.Name, outcome, w[2], cells[i][2])
		steps := t.steps(r.Events)
		if t.Width <= 0 || visible(head)+2+visible(strings.Join(steps, stepSep)) <= t.Width {
			fmt.Fprintf(b, "%s  %s\n", head, strings.Join(steps, stepSep))
			continue
		}
		// Too wide for one line: the steps go under the replica's name.
		b.WriteString(strings.TrimRight(head, " ") + "\n")
		for _, l := range wrapItems(steps, stepSep, t.Width, "      ", "      ") {
			b.WriteString(l + "\n")
		}
	}
}

// stepSep separates a replica's steps on its timeline line.
const stepSep = " · "

// steps renders a replica's events, one item each; consecutive crashes with
// the same reason collapse into one "crash ×N".
func (t Text) steps(evs []Event) []string {
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
	return parts
}

// WriteComparison writes lab:compare's table and verdict.
func (t Text) WriteComparison(w io.Writer, c *Comparison) error {
	var b strings.Builder
	t.line(&b, "", "  ", t.paint(bold, "lab:compare")+" —", "the same deployment under each strategy, with and without CREATE INDEX CONCURRENTLY")
	t.facts(&b, "runtime: "+c.Runtime, "postgres: "+c.Postgres, fmt.Sprintf("replicas: %d", c.Replicas), "slow step: "+seconds(c.Backfill))
	for _, n := range c.Notes {
		t.line(&b, "", "      ", t.paint(dim, "note: "+n))
	}
	b.WriteString("\n")
	t.writeTable(&b, c.Rows)
	for _, r := range c.Rows {
		if r.Hang != "" {
			t.line(&b, "", "  ", t.paint(yellow, "hang:"), fmt.Sprintf("%s, CIC %s: %s", r.Strategy, yesNo(r.CreateIndex), r.Hang))
		}
	}
	for _, r := range c.Rows {
		if len(r.DBProblems) > 0 {
			t.line(&b, "", "  ", t.paint(red, "damage:"), fmt.Sprintf("%s, CIC %s: %s", r.Strategy, yesNo(r.CreateIndex), strings.Join(r.DBProblems, "; ")))
		}
	}
	color := green
	if !c.Showed {
		color = red
	}
	t.line(&b, "", "  ", t.paint(color, "verdict:"), c.Verdict)
	_, err := io.WriteString(w, b.String())
	return err
}

// Column headers of the comparison table; the short ones when the long
// ones do not fit the width.
var (
	longHeader  = []string{"strategy", "CIC", "failures", "double runs", "hangs", "last ready", "peak conns", "database"}
	shortHeader = []string{"strategy", "CIC", "fails", "reruns", "hangs", "ready", "conns", "db"}
)

// writeTable writes the comparison's rows as aligned columns, colouring
// the database's state and hangs.
func (t Text) writeTable(b *strings.Builder, rows []Row) {
	cells := [][]string{longHeader}
	for _, r := range rows {
		db := "ok"
		if !r.DBOK {
			db = "damaged"
		}
		cells = append(cells, []string{r.Strategy, yesNo(r.CreateIndex), fmt.Sprint(r.Failures), fmt.Sprint(r.DoubleRuns),
			fmt.Sprint(r.Hangs), lastReady(r.SecondsToLastReady, r.Hangs), fmt.Sprint(r.PeakConnections), db})
	}
	widths := columnWidths(cells)
	if t.Width > 0 && tableWidth(widths) > t.Width {
		cells[0] = shortHeader
		widths = columnWidths(cells)
	}
	for k, row := range cells {
		b.WriteString(" ")
		for i, cell := range row {
			pad := widths[i] - utf8.RuneCountInString(cell)
			if k > 0 {
				cell = t.paintCell(i, cell)
			}
			b.WriteString(" " + cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", pad+1))
			}
		}
		b.WriteString("\n")
	}
}

// paintCell colours the database column (ok, damaged) and a hang in the
// last-ready column.
func (t Text) paintCell(col int, cell string) string {
	switch {
	case col == len(longHeader)-1 && cell == "ok":
		return t.paint(green, cell)
	case col == len(longHeader)-1 && cell == "damaged":
		return t.paint(red, cell)
	case col == 5 && cell == "hang":
		return t.paint(yellow, cell)
	}
	return cell
}

func columnWidths(cells [][]string) []int {
	widths := make([]int, len(cells[0]))
	for _, row := range cells {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	return widths
}

// tableWidth is a row's width: one space in front, two between columns.
func tableWidth(widths []int) int {
	n := 1
	for _, w := range widths {
		n += w + 2
	}
	return n - 1
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
