package workshop

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// started is what the exercises left behind in a folder: the processes its
// PID files name, the process groups of the runs it records, and the ports
// of the throwaway servers its dsn.txt files name.
type started struct {
	pids, groups []named
	ports        []int
}

// named is a process or process group a file names, and when the file was
// last written: the process it meant had started by then, so a process
// that started later only reuses its number.
type named struct {
	id int
	at time.Time
}

// startedIn reads dir's PID files (*.pid: `echo $! > x.pid`), run records
// and dsn.txt files.
func startedIn(dir string) (started, error) {
	var st started
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		var at time.Time
		if fi, err := d.Info(); err == nil {
			at = fi.ModTime()
		}
		switch name := d.Name(); {
		case strings.HasSuffix(name, ".pid"):
			b, _ := os.ReadFile(p)
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
				st.pids = append(st.pids, named{pid, at})
			}
		case name == RecordFile:
			if rec, err := ReadRecord(filepath.Dir(p)); err == nil {
				for _, s := range rec.Steps {
					if s.Group > 1 {
						st.groups = append(st.groups, named{s.Group, at})
					}
				}
			}
		case name == "dsn.txt":
			b, _ := os.ReadFile(p)
			if u, err := url.Parse(strings.TrimSpace(string(b))); err == nil {
				if port, err := strconv.Atoi(u.Port()); err == nil {
					st.ports = append(st.ports, port)
				}
			}
		}
		return nil
	})
	if os.IsNotExist(err) {
		return st, nil
	}
	return st, err
}

// Reset stops what the exercises started from dir (a folder under
// out/workshop, or out/workshop itself) and removes dir: the processes its
// PID files and run records name and processes still working in it
// (checked by name against the exercises' commands, so a stale PID file
// cannot stop anything else), and the throwaway PostgreSQL servers its
// dsn.txt files point to, even when their pgtemp died. It says on w what
// it stopped.
func Reset(ctx context.Context, dir string, w io.Writer) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if !strings.Contains(abs+string(filepath.Separator), filepath.Join("out", "workshop")+string(filepath.Separator)) {
		return fmt.Errorf("reset: %s is not under a clone's out/workshop: refusing to remove it", abs)
	}
	st, err := startedIn(abs)
	if err != nil {
		return fmt.Errorf("reset: reading %s: %w", abs, err)
	}
	if err := stopStarted(ctx, abs, st, w); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	if err := os.RemoveAll(abs); err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	fmt.Fprintf(w, "removed %s\n", abs)
	return nil
}
