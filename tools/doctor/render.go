package doctor

import (
	"fmt"
	"io"
	"strings"
)

// Write prints the report: a header, one line per check (✓ passed, ✗ a
// required check failed, – an optional one did not pass) with its fix on
// the next line, and the verdict.
func (r Report) Write(w io.Writer) error {
	var b strings.Builder
	sys := r.Platform.OS + "/" + r.Platform.Arch
	if r.Platform.Name != "" {
		sys += ", " + r.Platform.Name
	}
	fmt.Fprintf(&b, "doctor: can this machine run the labs? (%s)\n", sys)
	width := 0
	for _, res := range r.Results {
		width = max(width, len([]rune(res.Title)))
	}
	for _, res := range r.Results {
		fmt.Fprintf(&b, "%s %-*s  %s\n", res.Status.Mark(), width, res.Title, res.Detail)
		if res.Status != StatusOK && res.Fix != "" {
			fmt.Fprintf(&b, "  %*s  fix: %s\n", width, "", res.Fix)
		}
	}
	b.WriteString(r.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// Summary is the verdict in one line.
func (r Report) Summary() string {
	var failed, missing []string
	for _, res := range r.Results {
		switch res.Status {
		case StatusFailed:
			failed = append(failed, res.Title)
		case StatusMissing:
			missing = append(missing, res.Title)
		}
	}
	opt := ""
	if len(missing) > 0 {
		opt = fmt.Sprintf("; optional, not available: %s", strings.Join(missing, ", "))
	}
	if len(failed) > 0 {
		return fmt.Sprintf("NOT READY: fix %s (above)%s", strings.Join(failed, ", "), opt)
	}
	return "ready: every required check passed" + opt
}
