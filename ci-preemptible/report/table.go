package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// WriteTable prints results side by side, one row each; "vs first" compares
// each cost with the first row's.
func WriteTable(w io.Writer, results []*sim.Result) error {
	if len(results) == 0 {
		return nil
	}
	header, rows := Cells(results)
	// Numbers align right; the scenario names are padded to align left.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	width := 0
	for _, row := range rows {
		width = max(width, len(row[0]))
	}
	for _, row := range append([][]string{header}, rows...) {
		fmt.Fprintf(tw, "%-*s\t%s\t\n", max(width, len(header[0])), row[0], strings.Join(row[1:], "\t"))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
}

// Cells are [WriteTable]'s table as text: its header, and a row per result
// (the live view draws them as an HTML table).
func Cells(results []*sim.Result) (header []string, rows [][]string) {
	if len(results) == 0 {
		return nil, nil
	}
	// The column for misreported preemptions appears only when a scenario
	// models an older gitlab-runner.
	misreported := slices.ContainsFunc(results, func(r *sim.Result) bool { return r.Misreported > 0 })
	header = []string{"scenario", "cost " + results[0].Currency, "vs first", "p50 wait", "p95 wait", "max wait", "makespan", "jobs", "preempted"}
	if misreported {
		header = append(header, "as script failure")
	}
	header = append(header, "retries", "lost", "never scheduled", "wrong pool", "web killed")
	base := results[0].Cost
	for _, r := range results {
		vs := "-"
		if r != results[0] && base > 0 {
			vs = fmt.Sprintf("%+.0f%%", 100*(r.Cost-base)/base)
		}
		row := []string{r.Scenario, fmt.Sprintf("%.2f", r.Cost), vs,
			waitCell(r, r.Wait.P50), waitCell(r, r.Wait.P95), waitCell(r, r.Wait.Max),
			short(r.Makespan), fmt.Sprint(r.Jobs), fmt.Sprint(r.Preempted)}
		if misreported {
			row = append(row, fmt.Sprint(r.Misreported))
		}
		row = append(row, fmt.Sprint(r.Retries), fmt.Sprint(r.Lost), fmt.Sprint(r.NeverScheduled), fmt.Sprint(r.WrongPool), fmt.Sprint(r.ServicePodsKilled))
		rows = append(rows, row)
	}
	return header, rows
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
				fmt.Fprintf(&b, "      %s pods fit no pool: %s\n", wl.Name, strings.Join(wl.Unschedulable, "; "))
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
