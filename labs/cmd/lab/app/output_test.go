package app

import (
	"io"
	"testing"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/labs/runtimes"
)

func TestUseColor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flag     string
		tty      bool
		noColor  string
		termName string
		want     bool
	}{
		{"auto", true, "", "xterm-256color", true},
		{"auto", false, "", "xterm", false},     // a pipe or a file
		{"auto", true, "1", "xterm", false},     // no-color.org
		{"auto", true, "", "dumb", false},       // a dumb terminal
		{"always", false, "1", "dumb", true},    // the flag wins
		{"never", true, "", "xterm", false},     // the flag wins
		{"always", true, "", "xterm", true},     // the flag agrees
		{"auto", true, "false", "xterm", false}, // any value counts, as the convention says
	} {
		if got := useColor(tc.flag, tc.tty, tc.noColor, tc.termName); got != tc.want {
			t.Errorf("useColor(%q, tty=%v, NO_COLOR=%q, TERM=%q) = %v, want %v", tc.flag, tc.tty, tc.noColor, tc.termName, got, tc.want)
		}
	}
}

func TestReportWidth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		flag, term int
		columns    string
		want       int
	}{
		{0, 0, "", 0},       // a file or a pipe: no wrapping
		{0, 120, "", 120},   // the terminal's width
		{0, 120, "80", 120}, // the terminal knows better than a stale $COLUMNS
		{0, 0, "80", 80},    // a pipe with COLUMNS=80 set
		{0, 0, "wide", 0},   // garbage is ignored
		{100, 80, "60", 100},
	} {
		if got := reportWidth(tc.flag, tc.term, tc.columns); got != tc.want {
			t.Errorf("reportWidth(--width %d, terminal %d, COLUMNS=%q) = %d, want %d", tc.flag, tc.term, tc.columns, got, tc.want)
		}
	}
}

// --max-restarts 0 is "no restarts", which the policy says with NoRestarts
// (its zero MaxRestarts is the default, 5), and kind's options with -1.
func TestMaxRestartsZeroMeansNone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args     []string
		policy   runtimes.RestartPolicy
		kindOpts int
	}{
		{nil, runtimes.RestartPolicy{MaxRestarts: 5}, 5},
		{[]string{"--max-restarts", "2"}, runtimes.RestartPolicy{MaxRestarts: 2}, 2},
		{[]string{"--max-restarts", "0"}, runtimes.RestartPolicy{NoRestarts: true}, -1},
	} {
		o, err := parseFlags(tc.args, cliDiscard())
		if err != nil {
			t.Fatal(err)
		}
		if o.Restarts != tc.policy || kindMaxRestarts(o.Restarts) != tc.kindOpts {
			t.Errorf("%q: policy %+v, kind %d; want %+v, %d", tc.args, o.Restarts, kindMaxRestarts(o.Restarts), tc.policy, tc.kindOpts)
		}
		if eff := o.Restarts.WithDefaults().MaxRestarts; tc.policy.NoRestarts && eff != 0 {
			t.Errorf("%q: %d restarts in effect, want 0", tc.args, eff)
		}
	}
}

func cliDiscard() cli.Streams { return cli.Streams{Out: io.Discard, Err: io.Discard} }
