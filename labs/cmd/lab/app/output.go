package app

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/term"

	"github.com/bloglabs/posts/labs/report"
)

// textFor is how the report is written to out: coloured and wrapped as
// --color, --width, the environment and out (a terminal or not) say.
func textFor(out io.Writer, color string, width int) report.Text {
	fd, tty := terminal(out)
	termWidth := 0
	if tty {
		if w, _, err := term.GetSize(fd); err == nil {
			termWidth = w
		}
	}
	return report.Text{
		Color: useColor(color, tty, os.Getenv("NO_COLOR"), os.Getenv("TERM")),
		Width: reportWidth(width, termWidth, os.Getenv("COLUMNS")),
	}
}

// terminal reports whether w is a terminal, and its file descriptor.
func terminal(w io.Writer) (int, bool) {
	f, ok := w.(*os.File)
	if !ok {
		return 0, false
	}
	fd := int(f.Fd())
	return fd, term.IsTerminal(fd)
}

// useColor decides colour: --color always and never win; auto colours a
// terminal, unless $NO_COLOR is set (no-color.org) or $TERM is dumb.
func useColor(flag string, tty bool, noColor, termName string) bool {
	switch flag {
	case "always":
		return true
	case "never":
		return false
	}
	return tty && noColor == "" && termName != "dumb"
}

// reportWidth decides the report's width: --width, else the terminal's,
// else $COLUMNS (set by shells for their children, often not exported),
// else 0: no wrapping, for files and pipes.
func reportWidth(flag, termWidth int, columns string) int {
	if flag > 0 {
		return flag
	}
	if termWidth > 0 {
		return termWidth
	}
	if n, err := strconv.Atoi(columns); err == nil && n > 0 {
		return n
	}
	return 0
}

// writeJSON writes v to file, or to stdout when file is "-".
func writeJSON(file string, stdout io.Writer, v any) error {
	if file == "-" {
		return report.WriteJSON(stdout, v)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("json: %w", err)
	}
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	if err := report.WriteJSON(f, v); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("json: %w", err)
	}
	return nil
}
