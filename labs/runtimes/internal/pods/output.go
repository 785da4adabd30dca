package pods

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
)

// Lines turns one container attempt's stdout and stderr into Output events,
// copies them to a log file when there is one, and remembers the last stderr
// line: the likeliest reason when the container fails. Read may be called
// for both streams at once.
type Lines struct {
	emit func(runtimes.Event)
	base runtimes.Event
	log  io.Writer

	mu   sync.Mutex
	last string
}

// NewLines collects the output of attempt a of pod p. log, when not nil,
// receives every line as "STREAM LINE".
func NewLines(p Pod, a Attempt, log io.Writer, emit func(runtimes.Event)) *Lines {
	return &Lines{emit: emit, base: p.Event(runtimes.Output, a), log: log}
}

// Read reads stream ("stdout" or "stderr") line by line until EOF.
func (o *Lines) Read(stream string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if o.log != nil {
			o.mu.Lock()
			fmt.Fprintf(o.log, "%s %s\n", stream, line)
			o.mu.Unlock()
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if stream == "stderr" {
			o.mu.Lock()
			o.last = line
			o.mu.Unlock()
		}
		e := o.base
		e.Stream, e.Detail = stream, line
		o.emit(e)
	}
	// A line longer than the buffer ends the scan; drain the rest so that
	// the writer never blocks on a full pipe.
	_, _ = io.Copy(io.Discard, r)
}

// LastStderr is the last non-blank line written to stderr so far.
func (o *Lines) LastStderr() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// OpenLog opens (appending) the log file of a container of pod in dir,
// POD.CONTAINER.log, and writes a header for attempt n. It returns nil when
// dir is "" or the file cannot be opened: logs are a convenience, never a
// reason to fail a run.
func OpenLog(dir, pod, container string, n int) io.WriteCloser {
	if dir == "" {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(dir, pod+"."+container+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil
	}
	fmt.Fprintf(f, "--- %s attempt %d\n", time.Now().Format(time.RFC3339Nano), n)
	return f
}
