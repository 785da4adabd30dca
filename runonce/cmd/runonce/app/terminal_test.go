//go:build linux || darwin

package app

import (
	"os"
	"path/filepath"
	"testing"
)

// The step gets a process group of its own unless runonce's stdin is a
// terminal. /dev/null is a character device as a terminal is, and a
// container's default stdin: it must not count as one.
func TestStdinIsTerminal(t *testing.T) {
	open := func(name string, flag int) *os.File {
		t.Helper()
		f, err := os.OpenFile(name, flag, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for name, f := range map[string]*os.File{
		os.DevNull: open(os.DevNull, os.O_RDONLY),
		"a file":   open(filepath.Join(t.TempDir(), "in"), os.O_RDWR|os.O_CREATE),
		"a pipe":   r,
	} {
		if stdinIsTerminal(f) {
			t.Errorf("%s taken for a terminal", name)
		}
	}
	// A pseudo-terminal's master side answers as a terminal does.
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal to compare with: %v", err)
	}
	defer ptmx.Close()
	if !stdinIsTerminal(ptmx) {
		t.Error("a pseudo-terminal not taken for a terminal")
	}
}
