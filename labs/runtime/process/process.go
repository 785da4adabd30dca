package process

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/bloglabs/labs/labs/runtime"
	"github.com/bloglabs/labs/labs/spec"
)

// Options configure the runtime. The zero value works when every image's
// program is on PATH.
type Options struct {
	// BinDir holds the programs of the spec's images (demoapp, runonce); it
	// is put first on each replica's PATH. Defaults to none: PATH only.
	BinDir string
	// BackoffInitial is the wait before the first restart. Defaults to 200ms.
	BackoffInitial time.Duration
	// BackoffMax caps the doubling back-off. Defaults to 2s.
	BackoffMax time.Duration
	// MaxRestarts is how often a pod is restarted before it gives up.
	// Defaults to 5; negative means no restarts at all.
	MaxRestarts int
	// ProbePeriod is the readiness probe's interval. Defaults to 50ms: a
	// lab measures time to ready, and Kubernetes' 10 s would hide it.
	ProbePeriod time.Duration
	// StopGrace is how long a process has between SIGTERM and SIGKILL when
	// the run ends. Defaults to 2s.
	StopGrace time.Duration
	// LogDir, when set, receives each container's output as
	// POD.CONTAINER.log, for reading after a run.
	LogDir string
}

func (o Options) withDefaults() Options {
	if o.BackoffInitial <= 0 {
		o.BackoffInitial = 200 * time.Millisecond
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 2 * time.Second
	}
	if o.MaxRestarts == 0 {
		o.MaxRestarts = 5
	}
	if o.MaxRestarts < 0 {
		o.MaxRestarts = 0
	}
	if o.ProbePeriod <= 0 {
		o.ProbePeriod = 50 * time.Millisecond
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 2 * time.Second
	}
	return o
}

// Runtime runs deployments as local processes. It is safe for concurrent
// use; each Run is independent.
type Runtime struct {
	opts Options
}

// New returns a process runtime.
func New(opts Options) *Runtime { return &Runtime{opts: opts.withDefaults()} }

// Name is "process".
func (r *Runtime) Name() string { return "process" }

// gateScript waits for the gate pipe (fd 3) to close, drops it, and becomes
// the program: the shell's start-up is paid before the release, not after.
const gateScript = `read -r _ <&3; exec 3<&-; exec "$@"`

// Run starts every replica of d, releases them together and keeps them
// running — restarting crashed containers — until ctx is done; then it stops
// them all (SIGTERM, SIGKILL after StopGrace) and returns. sink receives every
// event, one call at a time.
func (r *Runtime) Run(ctx context.Context, d spec.Deployment, sink func(runtime.Event)) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("process runtime: %w", err)
	}
	if _, err := os.Stat("/bin/sh"); err != nil {
		return fmt.Errorf("process runtime: the start gate needs /bin/sh: %w", err)
	}
	if r.opts.LogDir != "" {
		if err := os.MkdirAll(r.opts.LogDir, 0o755); err != nil {
			return fmt.Errorf("process runtime: %w", err)
		}
	}
	var mu sync.Mutex
	emit := func(e runtime.Event) {
		if e.Time.IsZero() {
			e.Time = time.Now()
		}
		mu.Lock()
		defer mu.Unlock()
		sink(e)
	}
	g, err := newGate(d.Replicas)
	if err != nil {
		return fmt.Errorf("process runtime: %w", err)
	}
	defer g.close()

	var wg sync.WaitGroup
	for i := range d.Replicas {
		p := &pod{r: r, d: d, i: i, name: d.PodName(i), emit: emit, gate: g}
		wg.Go(func() { p.run(ctx) })
	}
	// Release once every pod's first process waits at the gate, or give up
	// waiting when the run ends first (then the gated processes get EOF, exec
	// and are stopped like any other).
	select {
	case <-g.allWaiting:
	case <-ctx.Done():
	}
	g.release()
	if ctx.Err() == nil {
		emit(runtime.Event{Time: g.releasedAt, Replica: -1, Kind: runtime.Released})
	}
	wg.Wait()
	return nil
}

// gate holds processes until released: each gated process reads fd 3, the
// read end of one pipe; closing the write end releases them all at once.
type gate struct {
	r, w       *os.File
	mu         sync.Mutex
	waiting    int
	allWaiting chan struct{}
	released   chan struct{}
	releasedAt time.Time
	once       sync.Once
}

func newGate(n int) (*gate, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start gate: %w", err)
	}
	return &gate{r: r, w: w, waiting: n, allWaiting: make(chan struct{}), released: make(chan struct{})}, nil
}

// arrived counts one pod whose first process waits (or failed to start).
func (g *gate) arrived() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.waiting--
	if g.waiting == 0 {
		close(g.allWaiting)
	}
}

func (g *gate) release() {
	g.once.Do(func() {
		g.releasedAt = time.Now()
		_ = g.w.Close()
		close(g.released)
	})
}

func (g *gate) close() {
	g.release()
	_ = g.r.Close()
}

type pod struct {
	r    *Runtime
	d    spec.Deployment
	i    int
	name string
	emit func(runtime.Event)
	gate *gate

	gated    bool // the pod's first process has gone through the gate
	restarts int
	backoff  time.Duration
	port     int
}

func (p *pod) event(kind runtime.Kind, c spec.Container, init bool, attempt int) runtime.Event {
	return runtime.Event{Replica: p.i, Pod: p.name, Kind: kind, Container: c.Name, Init: init, Attempt: attempt}
}

func (p *pod) run(ctx context.Context) {
	// Whatever happens below, the gate must not wait for this pod forever.
	defer p.arriveIfFirst()
	if p.d.Container.Port != 0 {
		port, err := freePort()
		if err != nil {
			p.emit(runtime.Event{Replica: p.i, Pod: p.name, Kind: runtime.GaveUp, Detail: err.Error()})
			return
		}
		p.port = port
	}
	p.backoff = p.r.opts.BackoffInitial
	for _, c := range p.d.InitContainers {
		for attempt := 0; ; attempt++ {
			code, detail := p.runContainer(ctx, c, true, attempt)
			if ctx.Err() != nil {
				return
			}
			if code == 0 {
				e := p.event(runtime.InitDone, c, true, attempt)
				p.emit(e)
				break
			}
			e := p.event(runtime.Crashed, c, true, attempt)
			e.ExitCode, e.Detail = code, detail
			p.emit(e)
			if !p.backOff(ctx) {
				return
			}
		}
	}
	for attempt := 0; ; attempt++ {
		code, detail := p.runContainer(ctx, p.d.Container, false, attempt)
		if ctx.Err() != nil {
			return
		}
		e := p.event(runtime.Crashed, p.d.Container, false, attempt)
		e.ExitCode, e.Detail = code, detail
		p.emit(e)
		if !p.backOff(ctx) {
			return
		}
	}
}

// backOff waits before a restart, or gives up (and waits for the end of the
// run) when the pod has been restarted often enough. It reports whether to
// restart.
func (p *pod) backOff(ctx context.Context) bool {
	if p.restarts >= p.r.opts.MaxRestarts {
		p.emit(runtime.Event{Replica: p.i, Pod: p.name, Kind: runtime.GaveUp,
			Detail: fmt.Sprintf("%d restarts", p.restarts)})
		<-ctx.Done()
		return false
	}
	t := time.NewTimer(p.backoff)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	}
	p.restarts++
	p.backoff = min(2*p.backoff, p.r.opts.BackoffMax)
	return true
}

// runContainer runs one process of c to its end and returns its exit code
// and, when it failed, the last line it wrote (the likeliest reason).
func (p *pod) runContainer(ctx context.Context, c spec.Container, init bool, attempt int) (int, string) {
	env := p.env(c)
	path, err := p.lookPath(c.Command[0])
	if err != nil {
		p.arriveIfFirst()
		return -1, err.Error()
	}
	gated := !p.gated
	args := c.Command[1:]
	cmd := exec.Command(path, args...)
	if gated {
		cmd = exec.Command("/bin/sh", append([]string{"-c", gateScript, "gate", path}, args...)...)
		cmd.ExtraFiles = []*os.File{p.gate.r}
	}
	cmd.Env = env
	cmd.Dir = os.TempDir()
	cmd.SysProcAttr = sysProcAttr()
	stdout, err1 := cmd.StdoutPipe()
	stderr, err2 := cmd.StderrPipe()
	if err := errors.Join(err1, err2); err != nil {
		p.arriveIfFirst()
		return -1, err.Error()
	}
	var logf io.Writer
	if p.r.opts.LogDir != "" {
		f, err := os.OpenFile(filepath.Join(p.r.opts.LogDir, p.name+"."+c.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err == nil {
			defer f.Close()
			fmt.Fprintf(f, "--- %s attempt %d\n", time.Now().Format(time.RFC3339Nano), attempt)
			logf = f
		}
	}
	if err := cmd.Start(); err != nil {
		p.arriveIfFirst()
		return -1, fmt.Sprintf("start %s: %v", c.Command[0], err)
	}
	startedAt := time.Now()
	if gated {
		p.arriveIfFirst()
		select {
		case <-p.gate.released:
			startedAt = p.gate.releasedAt
		case <-ctx.Done():
		}
	}
	kind := runtime.Started
	detail := ""
	if attempt > 0 {
		kind = runtime.Restarted
		detail = fmt.Sprintf("restart %d of the pod", p.restarts)
	}
	e := p.event(kind, c, init, attempt)
	e.Time, e.Detail = startedAt, detail
	p.emit(e)

	var lastMu sync.Mutex
	last := ""
	var readers sync.WaitGroup
	for stream, rd := range map[string]io.Reader{"stdout": stdout, "stderr": stderr} {
		readers.Go(func() {
			sc := bufio.NewScanner(rd)
			sc.Buffer(make([]byte, 64*1024), 1024*1024)
			for sc.Scan() {
				line := sc.Text()
				if logf != nil {
					lastMu.Lock()
					fmt.Fprintf(logf, "%s %s\n", stream, line)
					lastMu.Unlock()
				}
				if strings.TrimSpace(line) == "" {
					continue
				}
				if stream == "stderr" {
					lastMu.Lock()
					last = line
					lastMu.Unlock()
				}
				ev := p.event(runtime.Output, c, init, attempt)
				ev.Stream, ev.Detail = stream, line
				p.emit(ev)
			}
		})
	}

	exited := make(chan struct{})
	if !init && c.Readiness != nil {
		go p.probe(ctx, c, attempt, exited)
	}
	stopped := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			stop(cmd, p.r.opts.StopGrace, exited)
		case <-exited:
		}
		close(stopped)
	}()
	readers.Wait()
	err = cmd.Wait()
	close(exited)
	<-stopped
	code := exitCode(cmd.ProcessState, err)
	lastMu.Lock()
	defer lastMu.Unlock()
	return code, last
}

func (p *pod) arriveIfFirst() {
	if !p.gated {
		p.gated = true
		p.gate.arrived()
	}
}

func (p *pod) env(c spec.Container) []string {
	path := os.Getenv("PATH")
	if p.r.opts.BinDir != "" {
		path = p.r.opts.BinDir + string(os.PathListSeparator) + path
	}
	base := []spec.EnvVar{
		{Name: "PATH", Value: path},
		{Name: "HOME", Value: os.Getenv("HOME")},
		{Name: "TMPDIR", Value: os.TempDir()},
		{Name: "POD_NAME", Value: p.name},
		{Name: "HOSTNAME", Value: p.name},
	}
	if p.port != 0 {
		base = append(base, spec.EnvVar{Name: "PORT", Value: strconv.Itoa(p.port)})
	}
	vars := spec.ExpandEnv(base, c.Env)
	if p.port != 0 {
		// The spec's PORT is the container's port; here every pod needs its
		// own, so the runtime's choice wins.
		vars = spec.ExpandEnv(vars, []spec.EnvVar{{Name: "PORT", Value: strconv.Itoa(p.port)}})
	}
	out := make([]string, 0, len(vars))
	for _, v := range vars {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}

func (p *pod) lookPath(name string) (string, error) {
	if strings.ContainsRune(name, '/') {
		return name, nil
	}
	if p.r.opts.BinDir != "" {
		cand := filepath.Join(p.r.opts.BinDir, name)
		if fi, err := os.Stat(cand); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return cand, nil
		}
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s: not in the image folder %q nor on PATH: %w", name, p.r.opts.BinDir, err)
	}
	return path, nil
}

// probe polls the readiness endpoint until it answers 2xx (one Ready event),
// the process exits, or the run ends.
func (p *pod) probe(ctx context.Context, c spec.Container, attempt int, exited <-chan struct{}) {
	client := &http.Client{Timeout: time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d%s", p.port, c.Readiness.Path)
	t := time.NewTicker(p.r.opts.ProbePeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-exited:
			return
		case <-t.C:
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return
		}
		resp, err := client.Do(req)
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			select {
			case <-exited:
				return
			default:
			}
			p.emit(p.event(runtime.Ready, c, false, attempt))
			return
		}
	}
}

// stop ends a process and its children (its process group): SIGTERM, then
// SIGKILL after grace.
func stop(cmd *exec.Cmd, grace time.Duration, exited <-chan struct{}) {
	if cmd.Process == nil {
		return
	}
	pgid := -cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-exited:
		// The leader is gone; make sure no child lingers on.
		_ = syscall.Kill(pgid, syscall.SIGKILL)
	case <-t.C:
		_ = syscall.Kill(pgid, syscall.SIGKILL)
	}
}

func exitCode(ps *os.ProcessState, err error) int {
	if ps == nil {
		return -1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	if c := ps.ExitCode(); c >= 0 {
		return c
	}
	if err != nil {
		return -1
	}
	return 0
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
