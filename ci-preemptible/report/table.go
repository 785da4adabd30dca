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
// the job pods. "vs first" compares each cost with the first row's.
func WriteTable(w io.Writer, results []*sim.Result) error {
	if len(results) == 0 {
		return nil
	}
	// Numbers align right; the scenario names are padded to align left.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	width := len("scenario")
	for _, r := range results {
		width = max(width, len(r.Scenario))
	}
	fmt.Fprintf(tw, "%-*s\tcost %s\tvs first\tp50 wait\tp95 wait\tmax wait\tmakespan\t\n", width, "scenario", results[0].Currency)
	for _, r := range results {
		fmt.Fprintf(tw, "%-*s\t%.2f\t%s\t%s\t%s\t%s\t%s\t\n",
			width, r.Scenario, r.Cost, vsFirst(r.Cost, results[0].Cost, r == results[0]),
			waitCell(r, r.Wait.P50), waitCell(r, r.Wait.P95), waitCell(r, r.Wait.Max), short(r.Makespan))
	}
	fmt.Fprintln(tw)
	// The column for misreported preemptions appears only when a scenario
	// models an older gitlab-runner.
	misreported := slices.ContainsFunc(results, func(r *sim.Result) bool { return r.Misreported > 0 })
	head1, head2 := "\t\t\t\t\tnever\twrong\tweb\t", "jobs\tpreempted\tretries\tlost\tscheduled\tpool\tkilled\t"
	if misreported {
		head1, head2 = head1+"as script\t", head2+"failure\t"
	}
	fmt.Fprintf(tw, "%-*s%s\n%-*s\t%s\n", width, "", head1, width, "scenario", head2)
	for _, r := range results {
		extra := ""
		if misreported {
			extra = fmt.Sprintf("%d\t", r.Misreported)
		}
		fmt.Fprintf(tw, "%-*s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n",
			width, r.Scenario, r.Jobs, r.Preempted, r.Retries, r.Lost, r.NeverScheduled, r.WrongPool, r.ServicePodsKilled, extra)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write table: %w", err)
	}
	return nil
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
