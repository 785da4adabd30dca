package process

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/internal/pods"
	"github.com/bloglabs/posts/labs/spec"
)

// Options configure the runtime. The zero value works when every image's
// program is on PATH.
type Options struct {
	// BinDir holds the programs of the spec's images (demoapp, runonce); it
	// is put first on each replica's PATH. Defaults to none: PATH only.
	BinDir string
	// RestartPolicy is how crashed containers are restarted; its zero
	// value is the default policy.
	runtimes.RestartPolicy
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
	opts   Options
	policy runtimes.RestartPolicy
}

// New returns a process runtime.
func New(opts Options) *Runtime {
	return &Runtime{opts: opts.withDefaults(), policy: opts.RestartPolicy.WithDefaults()}
}

// Name is "process".
func (r *Runtime) Name() string { return "process" }

// gateScript waits for the gate pipe (fd 3) to close, drops it, and becomes
// the program: the shell's start-up is paid before the release, not after.
const gateScript = `read -r _ <&3; exec 3<&-; exec "$@"`

// Run starts every replica of d, releases them together and keeps them
// running — restarting crashed containers — until ctx is done; then it stops
// them all (SIGTERM, SIGKILL after StopGrace) and returns. sink receives every
// event, one call at a time.
func (r *Runtime) Run(ctx context.Context, d spec.Deployment, sink func(runtimes.Event)) error {
	if err := CheckHost(); err != nil {
		return err
	}
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
	// The gate: each pod's first process is a shell that reads fd 3, the
	// read end of one pipe; closing the write end releases them all at once.
	gr, gw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("process runtime: start gate: %w", err)
	}
	defer gr.Close()
	pods.RunAll(ctx, d, sink, func() { _ = gw.Close() }, func(ctx context.Context, rp pods.Pod, t *pods.Ticket, emit func(runtimes.Event)) {
		p := &pod{Pod: rp, r: r, emit: emit, ticket: t, gate: gr}
		p.run(ctx)
	})
	return nil
}

type pod struct {
	pods.Pod
	r      *Runtime
	emit   func(runtimes.Event)
	ticket *pods.Ticket
	gate   *os.File // the gate pipe's read end
	port   int
}

func (p *pod) run(ctx context.Context) {
	pods.Run(ctx, p.Pod, p.r.policy, p.runContainer, p.emit)
}

// runContainer runs one process of a container to its end and returns its
// exit code and, when it failed, the last line it wrote (the likeliest
// reason).
func (p *pod) runContainer(ctx context.Context, a pods.Attempt) (int, string) {
	cmd, gated, err := p.command(a)
	if err != nil {
		p.ticket.Arrive()
		return -1, err.Error()
	}
	stdout, err1 := cmd.StdoutPipe()
	stderr, err2 := cmd.StderrPipe()
	if err := errors.Join(err1, err2); err != nil {
		p.ticket.Arrive()
		return -1, err.Error()
	}
	var logf io.Writer
	if f := pods.OpenLog(p.r.opts.LogDir, p.Name, a.Container.Name, a.N); f != nil {
		defer f.Close()
		logf = f
	}
	if err := cmd.Start(); err != nil {
		p.ticket.Arrive()
		return -1, fmt.Sprintf("start %s: %v", a.Container.Command[0], err)
	}
	p.emit(p.StartEvent(a, p.released(ctx, gated)))

	out := pods.NewLines(p.Pod, a, logf, p.emit)
	var readers sync.WaitGroup
	readers.Go(func() { out.Read("stdout", stdout) })
	readers.Go(func() { out.Read("stderr", stderr) })
	exited := make(chan struct{})
	p.probe(ctx, a, exited)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
			stop(cmd, p.r.opts.StopGrace, exited)
		case <-exited:
		}
	}()
	readers.Wait()
	err = cmd.Wait()
	close(exited)
	<-stopped
	return exitCode(cmd.ProcessState, err), out.LastStderr()
}

// command is the attempt's process, not started: behind the start gate when
// the pod's release is still pending (gated), with a fresh port for a main
// container that listens.
func (p *pod) command(a pods.Attempt) (cmd *exec.Cmd, gated bool, err error) {
	c := a.Container
	if !a.Init && p.Spec.Container.Port != 0 {
		// A fresh port for every start of the main container: a free port
		// found by listening on :0 can be taken by another program before
		// ours binds it (parallel test packages did), and keeping it would
		// turn one unlucky pick into a crash loop.
		if p.port, err = freePort(); err != nil {
			return nil, false, err
		}
	}
	path, err := p.lookPath(c.Command[0])
	if err != nil {
		return nil, false, err
	}
	gated = p.ticket.Pending()
	args := c.Command[1:]
	cmd = exec.Command(path, args...)
	if gated {
		cmd = exec.Command("/bin/sh", append([]string{"-c", gateScript, "gate", path}, args...)...)
		cmd.ExtraFiles = []*os.File{p.gate}
	}
	cmd.Env = p.env(c)
	cmd.Dir = os.TempDir()
	cmd.SysProcAttr = sysProcAttr()
	return cmd, gated, nil
}

// released waits, for a gated process, until every pod is released, and
// returns when the process really started: the release, or now.
func (p *pod) released(ctx context.Context, gated bool) time.Time {
	if !gated {
		return time.Now()
	}
	p.ticket.Arrive()
	select {
	case <-p.ticket.Released():
		return p.ticket.ReleasedAt()
	case <-ctx.Done():
		return time.Now()
	}
}

// probe polls the main container's readiness endpoint until it answers
// (then emits Ready), the process exits, or ctx is done.
func (p *pod) probe(ctx context.Context, a pods.Attempt, exited <-chan struct{}) {
	if a.Init || a.Container.Readiness == nil {
		return
	}
	url := fmt.Sprintf("http://127.0.0.1:%d%s", p.port, a.Container.Readiness.Path)
	go func() {
		if pods.ProbeHTTP(ctx, url, p.r.opts.ProbePeriod, exited) {
			p.emit(p.Event(runtimes.Ready, a))
		}
	}()
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
		{Name: "POD_NAME", Value: p.Name},
		{Name: "HOSTNAME", Value: p.Name},
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

const (
	lowPortBase = 20000
	lowPortSpan = 12000
)

// nextLowPort is the last port handed out, less lowPortBase.
var nextLowPort atomic.Int64

func init() { nextLowPort.Store(rand.Int64N(lowPortSpan)) }

// freePort picks a port below the kernel's ephemeral range (32768-60999 on
// Linux, 49152-65535 on macOS and Windows): a port the kernel handed out
// for ":0" is the next one it hands to another program's ":0" or outgoing
// connection, and a gated replica binds its port only seconds later, after
// the release (a 20-replica fix lab lost a replica to "address already in
// use" that way under load). Ports are handed out in turn from a random
// start, so one process never hands out the same port twice, and two
// processes meet only if their windows overlap. :0 remains the fallback.
func freePort() (int, error) {
	for range 20 {
		port := lowPortBase + int(nextLowPort.Add(1)%lowPortSpan)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err == nil {
			l.Close()
			return port, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
