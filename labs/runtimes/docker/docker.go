package docker

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/bloglabs/posts/labs/internal/dockerx"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/internal/pods"
	"github.com/bloglabs/posts/labs/spec"
)

// Labels the runtime puts on what it creates: LabelNetwork on its network
// and every container (value: the network's name), LabelRun on a run's
// containers. A clean-up after a crash looks for them:
// docker rm -f $(docker ps -aq --filter label=dev.bloglabs.network).
const (
	LabelNetwork = "dev.bloglabs.network"
	LabelRun     = "dev.bloglabs.run"
)

// Options configure the runtime. Image is required.
type Options struct {
	// Image is the Docker image every container runs: one image bundles
	// every program of the spec (labs/appimage builds it), as the process
	// runtime's BinDir does.
	Image string
	// Backends are the servers the replicas connect to (the lab's
	// Postgres); more can be added with AddBackends before the first Run.
	// A backend in a container of the engine is reached on the runtime's
	// network under its Name; one on this machine's loopback through a
	// relay on the network's gateway (Linux only).
	Backends []runtimes.Backend
	// RestartPolicy is how crashed containers are restarted, as on the
	// process runtime; its zero value is the default policy.
	runtimes.RestartPolicy
	// ProbePeriod is the readiness probe's interval. Defaults to 50ms.
	ProbePeriod time.Duration
	// StopGrace is how long a container has between SIGTERM and SIGKILL
	// when the run ends. Defaults to 2s.
	StopGrace time.Duration
	// LogDir, when set, receives each container's output as
	// POD.CONTAINER.log.
	LogDir string
}

// Runtime runs deployments as Docker containers on a bridge network of its
// own, created by Prepare (or the first Run) and removed by Close. It is
// safe for concurrent use.
type Runtime struct {
	opts   Options
	policy runtimes.RestartPolicy

	mu        sync.Mutex
	cli       *client.Client
	net       string
	probeHost string
	backends  []runtimes.Backend
	routes    *dockerx.Routes
	rewrite   map[string]string // nil until the backends are resolved
}

// New returns a docker runtime.
func New(opts Options) *Runtime {
	if opts.ProbePeriod <= 0 {
		opts.ProbePeriod = 50 * time.Millisecond
	}
	if opts.StopGrace <= 0 {
		opts.StopGrace = 2 * time.Second
	}
	return &Runtime{opts: opts, policy: opts.RestartPolicy.WithDefaults(), backends: slices.Clone(opts.Backends)}
}

// Name is "docker".
func (r *Runtime) Name() string { return "docker" }

// Prepare connects to the engine, checks the image and creates the
// runtime's network. Start a Postgres container on that network (Network)
// before the lab connects to it: Docker connecting a running container to
// another network can cut the NATed connections it already has (seen here:
// the lab's pg_stat_activity watcher lost its connection).
func (r *Runtime) Prepare(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.prepare(ctx)
}

func (r *Runtime) prepare(ctx context.Context) error {
	if r.cli != nil {
		return nil
	}
	if r.opts.Image == "" {
		return errors.New("docker runtime: no image (build one with labs/appimage: go tool mage images:lab)")
	}
	cli, err := dockerx.Connect(ctx)
	if err != nil {
		return fmt.Errorf("docker runtime: %w", err)
	}
	if !dockerx.ImageExists(ctx, cli, r.opts.Image) {
		cli.Close()
		return fmt.Errorf("docker runtime: image %s is not in the engine (build it with go tool mage images:lab)", r.opts.Image)
	}
	name := "bloglabs-" + strings.ToLower(rand.Text()[:8])
	if _, err := cli.NetworkCreate(ctx, name, client.NetworkCreateOptions{
		Driver: "bridge", Labels: map[string]string{LabelNetwork: name},
	}); err != nil {
		cli.Close()
		return fmt.Errorf("docker runtime: create network %s: %w", name, err)
	}
	r.cli, r.net, r.probeHost = cli, name, probeHost(cli)
	r.routes = &dockerx.Routes{Network: name}
	return nil
}

// Network is the runtime's Docker network, "" before Prepare.
func (r *Runtime) Network() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.net
}

// AddBackends adds servers the replicas connect to; call it before the
// first Run.
func (r *Runtime) AddBackends(b ...runtimes.Backend) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.backends = append(r.backends, b...)
	r.rewrite = nil
}

// Close removes every container the runtime made, its relays and its
// network.
func (r *Runtime) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cli == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	removeContainers(ctx, r.cli, LabelNetwork+"="+r.net)
	r.routes.Close(ctx, r.cli)
	var err error
	if _, rerr := r.cli.NetworkRemove(ctx, r.net, client.NetworkRemoveOptions{}); rerr != nil {
		err = fmt.Errorf("docker runtime: remove network %s: %w", r.net, rerr)
	}
	r.cli.Close()
	r.cli, r.rewrite = nil, nil
	return err
}

// Run creates every replica's first container, starts them all at once,
// and keeps them running — init containers first, crashed containers
// restarted with back-off — until ctx is done; then it stops and removes
// the run's containers. sink receives every event, one call at a time.
func (r *Runtime) Run(ctx context.Context, d spec.Deployment, sink func(runtimes.Event)) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("docker runtime: %w", err)
	}
	if r.opts.LogDir != "" {
		if err := os.MkdirAll(r.opts.LogDir, 0o755); err != nil {
			return fmt.Errorf("docker runtime: %w", err)
		}
	}
	r.mu.Lock()
	err := r.prepare(ctx)
	if err == nil {
		err = r.resolveBackends(ctx)
	}
	run := &runState{r: r, cli: r.cli, net: r.net, probeHost: r.probeHost, rewrite: r.rewrite,
		id: d.Name + "-" + strings.ToLower(rand.Text()[:6])}
	r.mu.Unlock()
	if err != nil {
		return err
	}
	// Clean-up must run even when ctx is cancelled: that is how runs end.
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		removeContainers(cctx, run.cli, LabelRun+"="+run.id)
	}()

	// Containers are created before the release and started together after
	// it: a start is one API call, a create several, so the start times are
	// as close as the engine allows.
	pods.RunAll(ctx, d, sink, nil, func(ctx context.Context, rp pods.Pod, t *pods.Ticket, emit func(runtimes.Event)) {
		p := &pod{Pod: rp, rs: run, emit: emit, ticket: t}
		pods.Run(ctx, p.Pod, r.policy, p.runContainer, emit)
	})
	return nil
}

// runState is what one Run's pods share.
type runState struct {
	r         *Runtime
	cli       *client.Client
	net       string
	id        string
	probeHost string
	rewrite   map[string]string
}

// resolveBackends works out, once, the address replicas reach each backend
// at (r.mu held).
func (r *Runtime) resolveBackends(ctx context.Context) error {
	if r.rewrite != nil {
		return nil
	}
	rewrite, err := r.routes.Resolve(ctx, r.cli, r.backends)
	if err != nil {
		return fmt.Errorf("docker runtime: %w", err)
	}
	r.rewrite = rewrite
	return nil
}

// removeContainers force-removes every container with the label.
func removeContainers(ctx context.Context, cli *client.Client, label string) {
	list, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("label", label)})
	if err != nil {
		return
	}
	var wg sync.WaitGroup
	for _, c := range list.Items {
		wg.Go(func() { _, _ = cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true}) })
	}
	wg.Wait()
}

// probeHost is where published ports are dialled: this machine, unless the
// engine is remote (DOCKER_HOST=tcp://HOST:PORT).
func probeHost(cli *client.Client) string {
	if u, err := url.Parse(cli.DaemonHost()); err == nil && (u.Scheme == "tcp" || u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" {
		return u.Hostname()
	}
	return "127.0.0.1"
}

type pod struct {
	pods.Pod
	rs     *runState
	emit   func(runtimes.Event)
	ticket *pods.Ticket
}

// env is what a container of the pod starts with: POD_NAME and HOSTNAME as
// on every runtime, PORT the spec's own (each container has its own
// network stack, so every replica can use it), then the spec's variables
// with the backends' addresses rewritten. PATH comes from the image.
func (p *pod) env(c spec.Container) []string {
	base := []spec.EnvVar{{Name: "POD_NAME", Value: p.Name}, {Name: "HOSTNAME", Value: p.Name}}
	if c.Port != 0 {
		base = append(base, spec.EnvVar{Name: "PORT", Value: strconv.Itoa(c.Port)})
	}
	vars := pods.RewriteAddrs(spec.ExpandEnv(base, c.Env), p.rs.rewrite)
	out := make([]string, 0, len(vars))
	for _, v := range vars {
		out = append(out, v.Name+"="+v.Value)
	}
	return out
}

// runContainer runs one attempt as a container of its own, named
// NETWORK-POD-CONTAINER-N, and removes it once it has exited.
func (p *pod) runContainer(ctx context.Context, a pods.Attempt) (int, string) {
	s := p.rs
	c := a.Container
	cfg, hc, port := p.containerConfig(a)
	name := fmt.Sprintf("%s-%s-%s-%d", s.id, p.Name, c.Name, a.N)
	created, err := s.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Config: cfg, HostConfig: hc, Name: name})
	if err != nil {
		p.ticket.Arrive()
		return -1, fmt.Sprintf("create container: %v", err)
	}
	id := created.ID
	defer func() {
		_, _ = s.cli.ContainerRemove(context.WithoutCancel(ctx), id, client.ContainerRemoveOptions{Force: true})
	}()
	if !p.awaitRelease(ctx) {
		return -1, "stopped before start"
	}
	if _, err := s.cli.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return -1, fmt.Sprintf("start %s: %v", c.Command[0], cleanStartError(err))
	}
	startedAt, hostPort := p.started(ctx, id, port)
	p.emit(p.StartEvent(a, startedAt))

	var logf io.Writer
	if f := pods.OpenLog(s.r.opts.LogDir, p.Name, c.Name, a.N); f != nil {
		defer f.Close()
		logf = f
	}
	out := pods.NewLines(p.Pod, a, logf, p.emit)
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		p.follow(context.WithoutCancel(ctx), id, out)
	}()
	exited := make(chan struct{})
	p.probe(ctx, a, hostPort, exited)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
			grace := int(s.r.opts.StopGrace.Round(time.Second) / time.Second)
			_, _ = s.cli.ContainerStop(context.WithoutCancel(ctx), id, client.ContainerStopOptions{Timeout: &grace})
		case <-exited:
		}
	}()
	code := p.wait(context.WithoutCancel(ctx), id)
	close(exited)
	<-stopped
	<-logsDone
	return code, out.LastStderr()
}

// containerConfig is the attempt's container: the image, the spec's
// command as its entrypoint, the pod's environment and the run's labels;
// a main container with a readiness probe publishes its port (returned) on
// a random host port.
func (p *pod) containerConfig(a pods.Attempt) (*container.Config, *container.HostConfig, network.Port) {
	s, c := p.rs, a.Container
	cfg := &container.Config{
		Image:    s.r.opts.Image,
		Hostname: p.Name,
		Env:      p.env(c),
		// Entrypoint, not Cmd: the spec's command is the whole argv, as a
		// Kubernetes container's command replaces the image's entrypoint.
		Entrypoint: c.Command,
		Cmd:        nil,
		Labels:     map[string]string{LabelNetwork: s.net, LabelRun: s.id, "dev.bloglabs.pod": p.Name, "dev.bloglabs.container": c.Name},
	}
	hc := &container.HostConfig{NetworkMode: container.NetworkMode(s.net)}
	var port network.Port
	if !a.Init && c.Readiness != nil {
		port = network.MustParsePort(strconv.Itoa(c.Port) + "/tcp")
		cfg.ExposedPorts = network.PortSet{port: {}}
		binding := network.PortBinding{}
		if s.probeHost == "127.0.0.1" {
			binding.HostIP = netip.MustParseAddr("127.0.0.1")
		}
		hc.PortBindings = network.PortMap{port: {binding}}
	}
	return cfg, hc, port
}

// awaitRelease waits, for the pod's first container, until every pod is
// released; it reports false when ctx ended first.
func (p *pod) awaitRelease(ctx context.Context) bool {
	if !p.ticket.Pending() {
		return true
	}
	p.ticket.Arrive()
	select {
	case <-p.ticket.Released():
		return true
	case <-ctx.Done():
		return false
	}
}

// started asks the engine when the container started and which host port
// it published port on ("" when none).
func (p *pod) started(ctx context.Context, id string, port network.Port) (time.Time, string) {
	startedAt, hostPort := time.Now(), ""
	info, err := p.rs.cli.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return startedAt, hostPort
	}
	if t, err := time.Parse(time.RFC3339Nano, info.Container.State.StartedAt); err == nil {
		startedAt = t
	}
	if info.Container.NetworkSettings != nil {
		if b := info.Container.NetworkSettings.Ports[port]; len(b) > 0 {
			hostPort = b[0].HostPort
		}
	}
	return startedAt, hostPort
}

// probe polls the container's readiness endpoint through its published
// port until it answers (then emits Ready), the container exits, or ctx is
// done.
func (p *pod) probe(ctx context.Context, a pods.Attempt, hostPort string, exited <-chan struct{}) {
	if hostPort == "" {
		return
	}
	url := fmt.Sprintf("http://%s%s", net.JoinHostPort(p.rs.probeHost, hostPort), a.Container.Readiness.Path)
	go func() {
		if pods.ProbeHTTP(ctx, url, p.rs.r.opts.ProbePeriod, exited) {
			p.emit(p.Event(runtimes.Ready, a))
		}
	}()
}

// follow streams the container's output into out until the container
// stops. The log stream starts from the container's beginning, so nothing
// written before it was opened is lost.
func (p *pod) follow(ctx context.Context, id string, out *pods.Lines) {
	rc, err := p.rs.cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
	if err != nil {
		return
	}
	defer rc.Close()
	or, ow := io.Pipe()
	er, ew := io.Pipe()
	var readers sync.WaitGroup
	readers.Go(func() { out.Read("stdout", or) })
	readers.Go(func() { out.Read("stderr", er) })
	_, err = stdcopy.StdCopy(ow, ew, rc)
	ow.CloseWithError(err)
	ew.CloseWithError(err)
	readers.Wait()
}

// wait returns the container's exit status: Docker reports 128+N for a
// container killed by signal N, as the process runtime does.
func (p *pod) wait(ctx context.Context, id string) int {
	res := p.rs.cli.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	select {
	case r := <-res.Result:
		if r.Error != nil && r.Error.Message != "" && r.StatusCode == 0 {
			return -1
		}
		return int(r.StatusCode)
	case <-res.Error:
		return -1
	}
}

// cleanStartError keeps the part of an OCI runtime error a reader needs:
// `exec: "x": executable file not found in $PATH`.
func cleanStartError(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "exec: "); i >= 0 {
		msg = msg[i:]
		msg = strings.TrimSuffix(msg, ": unknown")
	}
	return msg
}
