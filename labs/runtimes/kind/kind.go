package kind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/moby/moby/client"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
	kindlog "sigs.k8s.io/kind/pkg/log"

	"github.com/bloglabs/posts/labs/internal/dockerx"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
	"github.com/bloglabs/posts/labs/spec"
)

// Options configure the runtime. Image is required.
type Options struct {
	// Cluster is the cluster's name and shape. Its Name defaults to
	// DefaultCluster; a cluster of that name that exists is reused as it is.
	Cluster Cluster
	// Keep keeps a cluster this runtime created when it is closed. A
	// cluster that existed before is always kept.
	Keep bool
	// Image every container runs (labs/appimage); loaded into every node
	// that lacks it.
	Image string
	// Backends are the servers the replicas connect to; more can be added
	// with AddBackends before the first Run. A backend in a container is
	// dialled at its address on kind's Docker network (Network), joining
	// it if it is not on it; one on this machine's loopback is relayed
	// from the network's gateway (Linux only).
	Backends []runtimes.Backend
	// Restarts bounds restarts, as on every runtime
	// (kubernetes.Options.Restarts).
	Restarts runtimes.RestartPolicy
	// WaitForReady bounds the wait for a new cluster's nodes. Defaults to 3m.
	WaitForReady time.Duration
	// Progress receives kind's progress and a line per long step.
	// Defaults to discarding.
	Progress io.Writer
	// LogDir, when set, receives each container's output as
	// POD.CONTAINER.log.
	LogDir string
}

// Runtime runs deployments on a kind cluster: kind's provisioning (host
// check, cluster up, image load, routes from kind's Docker network to the
// backends) in front of the Kubernetes runtime (labs/runtimes/kubernetes),
// which renders, deploys and watches. The cluster is prepared by the first
// Run and removed by Close unless kept.
type Runtime struct {
	opts Options

	mu       sync.Mutex
	prepared bool
	created  bool
	kube     *kubernetes.Runtime
	backends []runtimes.Backend
	routes   *dockerx.Routes
	rewrite  map[string]string // nil until the backends are resolved
}

// New returns a kind runtime.
func New(opts Options) *Runtime {
	if opts.Cluster.Name == "" {
		opts.Cluster.Name = DefaultCluster
	}
	if opts.WaitForReady <= 0 {
		opts.WaitForReady = 3 * time.Minute
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	// Pods dial backend containers by IP: they do not use Docker's name
	// resolution, but they reach the nodes' network (kindnet masquerades
	// what leaves the pod network).
	return &Runtime{opts: opts, backends: slices.Clone(opts.Backends), routes: &dockerx.Routes{Network: kindNetwork(), ByIP: true}}
}

// Network is the Docker network kind's nodes are on: start a Postgres
// container there before the lab connects to it (connecting a running
// container to a network can cut the connections it has).
func (r *Runtime) Network() string { return kindNetwork() }

// AddBackends adds servers the replicas connect to; call it before the
// first Run.
func (r *Runtime) AddBackends(b ...runtimes.Backend) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.backends = append(r.backends, b...)
	r.rewrite = nil
}

// Name is "kind".
func (r *Runtime) Name() string { return "kind" }

// Run deploys d, its backends' addresses rewritten to ones reachable from
// kind's network, with the Kubernetes runtime: into a fresh namespace,
// reporting its pods' events until ctx is done.
func (r *Runtime) Run(ctx context.Context, d spec.Deployment, sink func(runtimes.Event)) error {
	if err := d.Validate(); err != nil {
		return fmt.Errorf("kind runtime: %w", err)
	}
	if err := r.Prepare(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	err := r.resolveBackends(ctx)
	routes, kube := r.rewrite, r.kube
	r.mu.Unlock()
	if err != nil {
		return err
	}
	return kube.Run(ctx, kubernetes.RewriteEnv(d, routes), sink)
}

// Close removes what the runtime added to Docker (a network connection, a
// relay) and deletes the cluster it created, unless Options.Keep.
func (r *Runtime) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r.rewrite != nil {
		if cli, err := dockerx.Connect(ctx); err == nil {
			r.routes.Close(ctx, cli)
			cli.Close()
		}
		r.rewrite = nil
	}
	if r.created && !r.opts.Keep {
		fmt.Fprintf(r.opts.Progress, "deleting kind cluster %s (keep it with --keep)...\n", r.opts.Cluster.Name)
		if err := provider(r.opts.Progress).Delete(r.opts.Cluster.Name, ""); err != nil {
			errs = append(errs, fmt.Errorf("kind runtime: delete cluster %s: %w", r.opts.Cluster.Name, err))
		}
		r.created = false
	}
	return errors.Join(errs...)
}

// Prepare checks the host, brings the cluster up and loads the image, once
// per runtime; Run calls it too.
func (r *Runtime) Prepare(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.prepared {
		return nil
	}
	if r.opts.Image == "" {
		return errors.New("kind runtime: no image (build one with labs/appimage: go tool mage images:lab)")
	}
	created, err := Up(ctx, r.opts.Cluster, r.opts.WaitForReady, r.opts.Progress)
	if err != nil {
		return ForRaceLabs(err)
	}
	r.created = r.created || created
	prov := provider(r.opts.Progress)
	cs, err := Clientset(r.opts.Cluster.Name, r.opts.Progress)
	if err != nil {
		return fmt.Errorf("kind runtime: %w", err)
	}
	cli, err := dockerx.Connect(ctx)
	if err != nil {
		return fmt.Errorf("kind runtime: %w", err)
	}
	defer cli.Close()
	if err := LoadImage(ctx, cli, prov, r.opts.Cluster.Name, r.opts.Image, r.opts.Progress); err != nil {
		return err
	}
	// The backends are routed here (resolveBackends), so the Kubernetes
	// runtime is given none.
	r.kube = kubernetes.New(kubernetes.Options{Client: cs, Image: r.opts.Image,
		Restarts: r.opts.Restarts, LogDir: r.opts.LogDir})
	r.prepared = true
	return nil
}

// resolveBackends works out, once, the address pods reach each backend at
// (r.mu held).
func (r *Runtime) resolveBackends(ctx context.Context) error {
	if r.rewrite != nil {
		return nil
	}
	cli, err := dockerx.Connect(ctx)
	if err != nil {
		return fmt.Errorf("kind runtime: %w", err)
	}
	defer cli.Close()
	rewrite, err := r.routes.Resolve(ctx, cli, r.backends)
	if err != nil {
		return fmt.Errorf("kind runtime: %w", err)
	}
	r.rewrite = rewrite
	return nil
}

// kindNetwork is the Docker network kind puts its nodes on.
func kindNetwork() string {
	if n := os.Getenv("KIND_EXPERIMENTAL_DOCKER_NETWORK"); n != "" {
		return n
	}
	return "kind"
}

// Up creates cluster c unless it exists, after checking that kind can run
// here; it reports whether it created it. It is what `lab cluster up` and
// the magefile's cluster:up call.
func Up(ctx context.Context, c Cluster, waitForReady time.Duration, progress io.Writer) (created bool, err error) {
	if progress == nil {
		progress = io.Discard
	}
	if c.Name == "" {
		c.Name = DefaultCluster
	}
	if err := CheckHost(ctx); err != nil {
		return false, err
	}
	prov := provider(progress)
	existing, err := prov.List()
	if err != nil {
		return false, fmt.Errorf("kind: list clusters: %w", err)
	}
	if slices.Contains(existing, c.Name) {
		fmt.Fprintf(progress, "kind cluster %s exists; reusing it\n", c.Name)
		return false, nil
	}
	cfg, err := c.Config()
	if err != nil {
		return false, err
	}
	fmt.Fprintf(progress, "creating kind cluster %s (a minute or two)...\n", c.Name)
	if err := prov.Create(c.Name,
		kindcluster.CreateWithV1Alpha4Config(cfg),
		kindcluster.CreateWithWaitForReady(waitForReady),
		kindcluster.CreateWithDisplayUsage(false),
		kindcluster.CreateWithDisplaySalutation(false),
	); err != nil {
		return false, fmt.Errorf("kind: create cluster %s: %w", c.Name, err)
	}
	return true, nil
}

// Clientset is a client of cluster name's API server, from the kubeconfig
// kind keeps for it (the external one, reachable from this machine).
func Clientset(name string, progress io.Writer) (clientset.Interface, error) {
	if name == "" {
		name = DefaultCluster
	}
	kubeconfig, err := provider(progress).KubeConfig(name, false)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of %s: %w", name, err)
	}
	rc, err := clientcmd.RESTConfigFromKubeConfig([]byte(kubeconfig))
	if err != nil {
		return nil, fmt.Errorf("kubeconfig of %s: %w", name, err)
	}
	cs, err := clientset.NewForConfig(rc)
	if err != nil {
		return nil, fmt.Errorf("client of %s: %w", name, err)
	}
	return cs, nil
}

// Down deletes cluster name; deleting one that does not exist is not an
// error.
func Down(_ context.Context, name string, progress io.Writer) error {
	if name == "" {
		name = DefaultCluster
	}
	if err := provider(progress).Delete(name, ""); err != nil {
		return fmt.Errorf("kind: delete cluster %s: %w", name, err)
	}
	return nil
}

// LoadImage loads image into every node of cluster that lacks it — kind's
// own load path (`kind load docker-image`): `docker save`, then
// nodeutils.LoadImageArchive into each node's containerd.
func LoadImage(ctx context.Context, cli *client.Client, prov *kindcluster.Provider, cluster, image string, progress io.Writer) error {
	info, err := cli.ImageInspect(ctx, image)
	if err != nil {
		return fmt.Errorf("kind: image %s: %w", image, err)
	}
	all, err := prov.ListInternalNodes(cluster)
	if err != nil {
		return fmt.Errorf("kind: nodes of %s: %w", cluster, err)
	}
	var need []nodes.Node
	for _, n := range all {
		if id, err := nodeutils.ImageID(n, image); err != nil || id != info.ID {
			need = append(need, n)
		}
	}
	if len(need) == 0 {
		return nil
	}
	fmt.Fprintf(progress, "loading %s into %d kind node(s)...\n", image, len(need))
	f, err := os.CreateTemp("", "bloglabs-image-*.tar")
	if err != nil {
		return fmt.Errorf("kind: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	rc, err := cli.ImageSave(ctx, []string{image})
	if err != nil {
		return fmt.Errorf("kind: docker save %s: %w", image, err)
	}
	_, err = io.Copy(f, rc)
	rc.Close()
	if err != nil {
		return fmt.Errorf("kind: docker save %s: %w", image, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(need))
	for i, n := range need {
		wg.Go(func() {
			r, err := os.Open(f.Name())
			if err != nil {
				errs[i] = err
				return
			}
			defer r.Close()
			if err := nodeutils.LoadImageArchive(n, r); err != nil {
				errs[i] = fmt.Errorf("kind: load %s into %s: %w", image, n.String(), err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

func provider(progress io.Writer) *kindcluster.Provider {
	return kindcluster.NewProvider(kindcluster.ProviderWithDocker(), kindcluster.ProviderWithLogger(logger{w: progress}))
}

// logger passes kind's user-facing lines (verbosity 0) to the progress
// writer.
type logger struct{ w io.Writer }

var _ kindlog.Logger = logger{}

func (l logger) out() io.Writer {
	if l.w == nil {
		return io.Discard
	}
	return l.w
}
func (l logger) Warn(m string)                        { fmt.Fprintln(l.out(), m) }
func (l logger) Warnf(f string, a ...any)             { fmt.Fprintf(l.out(), f+"\n", a...) }
func (l logger) Error(m string)                       { fmt.Fprintln(l.out(), m) }
func (l logger) Errorf(f string, a ...any)            { fmt.Fprintf(l.out(), f+"\n", a...) }
func (l logger) V(v kindlog.Level) kindlog.InfoLogger { return infoLogger{w: l.out(), on: v == 0} }

type infoLogger struct {
	w  io.Writer
	on bool
}

func (l infoLogger) Enabled() bool { return l.on }
func (l infoLogger) Info(m string) {
	if l.on {
		fmt.Fprintln(l.w, m)
	}
}
func (l infoLogger) Infof(f string, a ...any) {
	if l.on {
		fmt.Fprintf(l.w, f+"\n", a...)
	}
}

// The labels the Kubernetes runtime puts on what it creates, for kind's
// users that create objects of their own (ci-preemptible/kindlab).
const (
	LabelPartOf = kubernetes.LabelPartOf
	PartOf      = kubernetes.PartOf
)
