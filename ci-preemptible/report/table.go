package report

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// WriteTable prints results side by side, one row each, in two tables
// that each fit a 100-column terminal (a projector's, issue 21) for
// scenario names up to 25 characters: cost and waits, then what happened to
// the job pods. "vs first" compares each cost with the first row's. The
// cells are [Cells]'.
func WriteTable(w io.Writer, results []*sim.Result) error {
	if len(results) == 0 {
		return nil
	}
	header, rows := Cells(results)
	width := len(header[0])
	for _, row := range rows {
		width = max(width, len(row[0]))
	}
	// Numbers align right; the scenario names are padded to align left.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	line := func(first string, cells []string) {
		fmt.Fprintf(tw, "%-*s\t%s\t\n", width, first, strings.Join(cells, "\t"))
	}
	line(header[0], header[1:costColumns])
	for _, row := range rows {
		line(row[0], row[1:costColumns])
	}
	fmt.Fprintln(tw)
	// The second table's names go over two lines: "never" over "scheduled".
	tops, bottoms := make([]string, 0, len(header)), make([]string, 0, len(header))
	for _, h := range header[costColumns:] {
		top, bottom := "", h
		if i := strings.LastIndex(h, " "); i >= 0 {
			top, bottom = h[:i], h[i+1:]
		}
		tops, bottoms = append(tops, top), append(bottoms, bottom)
	}
	line("", tops)
	line(header[0], bottoms)
	for _, row := range rows {
		line(row[0], row[costColumns:])
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// costColumns is how many of [Cells]' columns, the scenario's name first,
// [WriteTable] prints in its first table; the rest go in the second.
const costColumns = 7

// Cells are [WriteTable]'s tables as text, side by side in one: its
// header, and a row per result (the live view draws them as an HTML
// table). The column for misreported preemptions appears only when a
// scenario models an older gitlab-runner.
func Cells(results []*sim.Result) (header []string, rows [][]string) {
	if len(results) == 0 {
		return nil, nil
	}
	header = []string{"scenario", "cost " + results[0].Currency, "vs first", "p50 wait", "p95 wait", "max wait", "makespan",
		"jobs", "preempted", "retries", "lost", "never scheduled", "wrong pool", "web killed"}
	misreported := slices.ContainsFunc(results, func(r *sim.Result) bool { return r.Misreported > 0 })
	if misreported {
		header = append(header, "as script failure")
	}
	for _, r := range results {
		row := []string{r.Scenario, fmt.Sprintf("%.2f", r.Cost), vsFirst(r.Cost, results[0].Cost, r == results[0]),
			waitCell(r, r.Wait.P50), waitCell(r, r.Wait.P95), waitCell(r, r.Wait.Max), short(r.Makespan),
			fmt.Sprint(r.Jobs), fmt.Sprint(r.Preempted), fmt.Sprint(r.Retries), fmt.Sprint(r.Lost),
			fmt.Sprint(r.NeverScheduled), fmt.Sprint(r.WrongPool), fmt.Sprint(r.ServicePodsKilled)}
		if misreported {
			row = append(row, fmt.Sprint(r.Misreported))
		}
		rows = append(rows, row)
	}
	return header, rows
}

// vsFirst is a cost relative to the first row's: whole percent from 10 %
// on, one decimal below, and "±0%" for what rounds to nothing (not "-0%").
func vsFirst(cost, base float64, first bool) string {
	if first || base <= 0 {
		return "-"
	}
	pct := 100 * (cost - base) / base
	switch {
	case math.Abs(pct) >= 9.5:
		return fmt.Sprintf("%+.0f%%", pct)
	case math.Abs(pct) >= 0.05:
		return fmt.Sprintf("%+.1f%%", pct)
	}
	return "±0%"
}

// WriteNotes explains the columns and the rows: titles, and why pods could
// not run.
func WriteNotes(w io.Writer, results []*sim.Result) error {
	var b strings.Builder
	b.WriteString(`  preempted: job attempts killed with their node; retries: attempts GitLab re-created;
  lost: jobs that failed with no retry left; never scheduled: job pods that never got a node
  (gitlab-runner's poll_timeout, or still Pending at the end); wrong pool: pods placed outside
  their workload's intended pool; web killed: web pods killed by a preemption.
`)
	if slices.ContainsFunc(results, func(r *sim.Result) bool { return r.Misreported > 0 }) {
		b.WriteString(`  as script failure: preempted attempts an older gitlab-runner reported as script_failure,
  which retry:when:runner_system_failure does not retry: each is a lost job.
`)
	}
	b.WriteString("\n")
	for _, r := range results {
		fmt.Fprintf(&b, "  %s: %s\n", r.Scenario, r.Title)
		for _, wl := range r.Workloads {
			if wl.FitsNowhere {
				// One reason a line: together they are ~150 columns.
				fmt.Fprintf(&b, "      %s pods fit no pool:\n", wl.Name)
				for _, why := range wl.Unschedulable {
					fmt.Fprintf(&b, "        %s\n", why)
				}
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func waitCell(r *sim.Result, d time.Duration) string {
	if r.Wait.N == 0 {
		return "no job ran"
	}
	return short(d)
}

// short rounds a duration for a table: 1m37s, 720h23m, 0s.
func short(d time.Duration) string {
	switch {
	case d >= 10*time.Hour:
		d = d.Round(time.Minute)
	case d >= time.Minute:
		d = d.Round(time.Second)
	case d >= time.Second:
		d = d.Round(100 * time.Millisecond)
	default:
		d = d.Round(time.Millisecond)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	return s
}
