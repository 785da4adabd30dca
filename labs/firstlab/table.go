package firstlab

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// WriteTable writes the results side by side, each row a revision, and
// the last row's figures as a ratio to the first's when there are two.
func WriteTable(w io.Writer, labels []string, results []Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\trevision\tmodules\tMiB fetched\tpackages compiled\tseconds to verdict\tverdict")
	for i, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%d\t%.1f\t%s\n", labels[i], short(r.Rev), r.Modules, r.MiB(), r.Packages, r.Seconds, clip(r.Verdict, 40))
	}
	if len(results) == 2 && results[0].Bytes > 0 && results[0].Packages > 0 && results[0].Seconds > 0 {
		a, b := results[0], results[1]
		fmt.Fprintf(tw, "%s/%s\t\t%.2f×\t%.2f×\t%.2f×\t%.2f×\t\n", labels[1], labels[0],
			float64(b.Modules)/float64(max(a.Modules, 1)), float64(b.Bytes)/float64(a.Bytes),
			float64(b.Packages)/float64(a.Packages), b.Seconds/a.Seconds)
	}
	return tw.Flush()
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
