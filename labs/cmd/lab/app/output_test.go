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

// --max-restarts is the one restart policy every runtime takes: unset, the
// policy's zero value (the runtimes' default, 5); N, N restarts; 0, none.
// (Before, kind's path encoded it three ways: 0, NoRestarts, -1.)
func TestMaxRestartsOneEncoding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args      []string
		policy    runtimes.RestartPolicy
		effective int
	}{
		{nil, runtimes.RestartPolicy{}, 5},
		{[]string{"--max-restarts", "2"}, runtimes.RestartPolicy{MaxRestarts: 2}, 2},
		{[]string{"--max-restarts", "0"}, runtimes.RestartPolicy{NoRestarts: true}, 0},
	} {
		f, err := Light().parseFlags(tc.args, cliDiscard())
		if err != nil {
			t.Fatal(err)
		}
		if f.Restarts != tc.policy {
			t.Errorf("%q: policy %+v, want %+v", tc.args, f.Restarts, tc.policy)
		}
		if eff := f.Restarts.WithDefaults().MaxRestarts; eff != tc.effective {
			t.Errorf("%q: %d restarts in effect, want %d", tc.args, eff, tc.effective)
		}
	}
}

func cliDiscard() cli.Streams { return cli.Streams{Out: io.Discard, Err: io.Discard} }
