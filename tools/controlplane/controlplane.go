package controlplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bloglabs/posts/internal/kube"
)

// Options configure a control plane. The zero value starts one from the
// cached binaries with kwok's default stages and no nodes.
type Options struct {
	// Binaries to run. Defaults to [Find] with Build: the cached binaries
	// for this repository's build inputs. Start never builds (that takes
	// minutes); [Serve] does.
	Binaries *Binaries
	// Build says where to find (and, for [Serve], build) the binaries when
	// Binaries is nil. Its Logger defaults to Logger.
	Build BuildOptions
	// Stages are extra kwok Stage objects, as YAML (several documents in
	// one string are fine), given to kwok with the defaults
	// ([DefaultStages]). A stage with the name of a default replaces it.
	Stages []string
	// Nodes are created once the control plane is ready; Start returns
	// when kwok reports each of them Ready. See [Node]. Defaults to none.
	Nodes []*corev1.Node
	// RealNode also starts a real node (Linux, root): a kubelet and a
	// containerd of its own that run real containers, named
	// [RealNodeName], published for labs (package labnode). Start fails
	// when the host cannot run one; [CheckRealNode] says why beforehand.
	// kwok then manages only the nodes annotated kwok.x-k8s.io/node=fake
	// ([Node] sets it), never the real one; without it, every node.
	RealNode bool
	// StartTimeout bounds Start, from the first process to the default
	// ServiceAccount and the nodes. Defaults to 2 minutes (measured: ready
	// in about 10 s on 2 idle cores).
	StartTimeout time.Duration
	// Logger receives progress. Defaults to discarding.
	Logger *slog.Logger
}

// Cluster is a running throwaway control plane: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok, each a process (group)
// of its own, with their files in one temp folder. Its methods are safe for
// concurrent use.
type Cluster struct {
	dir        string
	log        *slog.Logger
	bins       *Binaries
	kubeconfig string
	rest       *rest.Config
	apiPort    int

	pki          *pki
	wantRealNode bool      // Options.RealNode
	node         *realNode // nil without a real node

	mu         sync.Mutex
	components []*component // in start order
	closeOnce  sync.Once
	closeErr   error
}

// Start starts a control plane on 127.0.0.1 (free ports) and returns once
// it accepts pods: the default ServiceAccount exists and every node in
// Options.Nodes is Ready. Call Close to stop it and remove its files.
//
// When a component exits during start, the error names it and ends with
// the last lines of its log.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if !supportedOS {
		return nil, ErrUnsupportedOS
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Build.Logger == nil {
		opts.Build.Logger = opts.Logger
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 2 * time.Minute
		if opts.RealNode {
			opts.StartTimeout = 4 * time.Minute
		}
	}
	if opts.Binaries == nil {
		b, err := Find(opts.Build)
		if err != nil {
			return nil, err
		}
		opts.Binaries = b
	}
	stages, err := stageConfig(opts.Stages)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	// A free port can be taken by another control plane between our check
	// and the component binding it (parallel test packages): start again
	// on new ports when that happens.
	for attempt := 1; ; attempt++ {
		c, err := start(ctx, opts, stages)
		if err == nil || attempt == 3 || !errors.Is(err, errPortInUse) {
			return c, err
		}
		opts.Logger.Debug("a port was taken; starting again on new ports", "err", err)
	}
}

func start(ctx context.Context, opts Options, stages []byte) (*Cluster, error) {
	t0 := time.Now()
	dir, err := os.MkdirTemp("", "controlplane-")
	if err != nil {
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	c := &Cluster{dir: dir, log: opts.Logger, bins: opts.Binaries, wantRealNode: opts.RealNode}
	ok := false
	defer func() {
		if !ok {
			_ = c.Close()
		}
	}()
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdPort, peerPort := ports[0], ports[1]
	c.apiPort = ports[2]
	if err := c.prepare(stages); err != nil {
		return nil, err
	}
	if err := c.startEtcd(ctx, etcdPort, peerPort); err != nil {
		return nil, err
	}
	if err := c.startAPIServer(ctx, etcdPort); err != nil {
		return nil, err
	}
	for _, name := range []string{"kube-controller-manager", "kube-scheduler", "kwok"} {
		if _, err := c.run(name, c.args(name)...); err != nil {
			return nil, err
		}
	}
	client, err := kubernetes.NewForConfig(c.rest)
	if err != nil {
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	// Pods are refused until kube-controller-manager has made the
	// namespace's default ServiceAccount (measured: 9-10 s after start).
	err = c.waitFor(ctx, "the default ServiceAccount", func(ctx context.Context) (bool, error) {
		_, err := client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		return nil, err
	}
	if err := c.createNodes(ctx, client, opts.Nodes); err != nil {
		return nil, err
	}
	if opts.RealNode {
		if err := opts.Build.setDefaults(); err != nil {
			return nil, err
		}
		if c.node, err = startRealNode(ctx, c, opts.Build.SourceDir); err != nil {
			return nil, err
		}
	}
	c.log.Info("control plane ready", "took", time.Since(t0).Round(time.Millisecond), "kubeconfig", c.kubeconfig)
	ok = true
	return c, nil
}

// prepare writes the certificates, the kubeconfig and kwok's stages.
func (c *Cluster) prepare(stages []byte) error {
	p, err := writePKI(c.dir)
	if err != nil {
		return fmt.Errorf("controlplane: certificates: %w", err)
	}
	c.pki = p
	cfg := kubeconfig(fmt.Sprintf("https://127.0.0.1:%d", c.apiPort), p)
	c.kubeconfig = filepath.Join(c.dir, "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, c.kubeconfig); err != nil {
		return fmt.Errorf("controlplane: write kubeconfig: %w", err)
	}
	if c.rest, err = clientcmd.NewDefaultClientConfig(*cfg, nil).ClientConfig(); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	if err := os.WriteFile(filepath.Join(c.dir, "kwok.yaml"), stages, 0o644); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	return nil
}

func (c *Cluster) createNodes(ctx context.Context, client kubernetes.Interface, nodes []*corev1.Node) error {
	for _, n := range nodes {
		if _, err := client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("controlplane: create node %s: %w", n.Name, err)
		}
	}
	for _, n := range nodes {
		err := c.waitFor(ctx, "node "+n.Name+" Ready (kwok)", func(ctx context.Context) (bool, error) {
			got, err := client.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return false, err
			}
			return err == nil && kube.NodeReady(got), nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// waitFor polls check every 100 ms until it says done, returns an error,
// a component exits, or ctx ends.
func (c *Cluster) waitFor(ctx context.Context, what string, check func(context.Context) (bool, error)) error {
	t0 := time.Now()
	for {
		if err := c.firstExited(); err != nil {
			return fmt.Errorf("controlplane: waiting for %s: %w", what, err)
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		done, err := check(cctx)
		cancel()
		if err != nil {
			return fmt.Errorf("controlplane: waiting for %s: %w", what, err)
		}
		if done {
			c.log.Debug("ready: "+what, "took", time.Since(t0).Round(time.Millisecond))
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("controlplane: waiting for %s (%s): %w%s", what, time.Since(t0).Round(time.Millisecond), ctx.Err(), c.logTails())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Kubeconfig is the path of a kubeconfig file for the cluster's admin
// (system:masters), with its certificates inlined.
func (c *Cluster) Kubeconfig() string { return c.kubeconfig }

// RESTConfig is a client-go configuration for the cluster's admin. Each
// call returns a copy the caller may change.
func (c *Cluster) RESTConfig() *rest.Config { return rest.CopyConfig(c.rest) }

// Client is a clientset for the cluster's admin.
func (c *Cluster) Client() (kubernetes.Interface, error) {
	cs, err := kubernetes.NewForConfig(c.RESTConfig())
	if err != nil {
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	return cs, nil
}

// RealNode is the name of the cluster's real node, "" when it has none.
func (c *Cluster) RealNode() string {
	if c.node == nil {
		return ""
	}
	return RealNodeName
}

// Server is the URL of the API server.
func (c *Cluster) Server() string { return c.rest.Host }

// Dir is the cluster's folder: certificates, the kubeconfig, etcd's data
// and each component's log (<name>.log). Close removes it.
func (c *Cluster) Dir() string { return c.dir }

// Binaries are the binaries the cluster runs (kubectl among them).
func (c *Cluster) Binaries() *Binaries { return c.bins }

// Process is one component of a running control plane.
type Process struct {
	Name string // "etcd", "kube-apiserver", ...
	PID  int    // also its process group's ID
	Log  string // path of its log file
}

// Processes are the cluster's components, in start order.
func (c *Cluster) Processes() []Process {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps := make([]Process, 0, len(c.components))
	for _, p := range c.components {
		ps = append(ps, Process{Name: p.name, PID: p.cmd.Process.Pid, Log: p.logPath})
	}
	return ps
}

// Healthy returns nil while every component runs, else an error that names
// the first one that exited and shows the end of its log.
func (c *Cluster) Healthy() error {
	if err := c.firstExited(); err != nil {
		return fmt.Errorf("controlplane: %w", err)
	}
	return nil
}

func (c *Cluster) firstExited() error {
	if c.node != nil {
		if err := c.node.healthy(); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.components {
		if err := p.exited(); err != nil {
			return err
		}
	}
	return nil
}

// Close stops every component (SIGTERM to its process group, SIGKILL after
// 2 s), waits for them to exit and removes the cluster's folder. It returns
// an error when a component had exited before Close or could not be stopped.
// Calling it again returns the first call's result.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() {
		health := c.Healthy()
		var nodeErr error
		if c.node != nil {
			// First, while the API server still answers the kubelet.
			nodeErr = c.node.stop()
		}
		c.mu.Lock()
		comps := c.components
		c.mu.Unlock()
		errs := make([]error, len(comps))
		var wg sync.WaitGroup
		// All at once: a Ctrl-C under mage leaves 5 s for cleanup.
		for i, p := range comps {
			wg.Go(func() { errs[i] = p.stop(2 * time.Second) })
		}
		wg.Wait()
		if health != nil {
			errs = append(errs, fmt.Errorf("before Close: %w", health))
		}
		errs = append(errs, nodeErr)
		if err := os.RemoveAll(c.dir); err != nil {
			errs = append(errs, fmt.Errorf("controlplane: remove %s: %w", c.dir, err))
		}
		c.closeErr = errors.Join(errs...)
		if c.closeErr == nil {
			c.log.Debug("control plane stopped", "dir", c.dir)
		}
	})
	return c.closeErr
}

// logTails is the end of every component's log, for a timeout whose cause
// is in one of them.
func (c *Cluster) logTails() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, p := range c.components {
		fmt.Fprintf(&b, "\n--- last lines of %s:\n%s", p.logPath, p.logTail(8))
	}
	return b.String()
}
