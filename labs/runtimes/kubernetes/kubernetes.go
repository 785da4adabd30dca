package kubernetes

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	clientset "k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/internal/pods"
	"github.com/bloglabs/posts/labs/spec"
	"github.com/bloglabs/posts/tools/controlplane/labnode"
)

// EnvPodPostgres names the variable that says where pods reach the lab's
// Postgres (HOST:PORT, or a URL whose host and port are taken), the
// default of [Options].PodPostgres in the lab CLI.
const EnvPodPostgres = "LABS_POD_POSTGRES"

// Options configure the runtime. Image and one of Client or Config are
// required.
type Options struct {
	// Client talks to the cluster. Defaults to a clientset for Config.
	Client clientset.Interface
	// Config is the cluster's REST config, as [RESTConfig] reads it from a
	// kubeconfig. Used when Client is nil.
	Config *rest.Config
	// Image every container runs (labs/appimage). The cluster must be able
	// to get it: pushed to a registry it pulls from, or loaded into its
	// nodes (kind load, k3d image import, minikube image load).
	Image string
	// ImagePullPolicy. Defaults to IfNotPresent: a loaded image is used
	// as it is, a pushed one is pulled once.
	ImagePullPolicy corev1.PullPolicy
	// Backends are the servers the replicas connect to (the lab's
	// Postgres, as this machine dials it); more can be added with
	// AddBackends before the first Run.
	Backends []runtimes.Backend
	// PodPostgres is HOST:PORT at which pods reach the backends: every
	// backend address in the replicas' environment is rewritten to it (a
	// Service name, a private IP, a managed database's host). Empty: the
	// replicas dial the address this machine dials, which must then not be
	// loopback.
	PodPostgres string
	// Restarts bounds restarts, as on every runtime: a pod restarted
	// Restarts.MaxRestarts times (after its defaults) and waiting in
	// CrashLoopBackOff gives up. The kubelet restarts, with its own
	// back-off, so the policy's back-off is not used.
	Restarts runtimes.RestartPolicy
	// LogDir, when set, receives each container's output as
	// POD.CONTAINER.log.
	LogDir string
	// ImageArchive returns Image as an archive (`docker save`'s format),
	// for a real node of a local control plane on this machine
	// (tools/controlplane/labnode) that lacks the image: Prepare loads it
	// into the node's containerd. Elsewhere it is not called.
	ImageArchive func(ctx context.Context) (io.ReadCloser, error)
}

// Runtime runs deployments on a Kubernetes cluster: the spec rendered as
// an apps/v1 Deployment ([Render]) in a namespace of its own per run, pods
// watched through an informer and turned into events by a [PodTracker].
// It creates nothing outside that namespace and needs no Close.
type Runtime struct {
	opts Options

	mu       sync.Mutex
	cs       clientset.Interface
	backends []runtimes.Backend
	// local is the cluster's real node on this machine, when it has one:
	// pods are placed on it, and reach loopback backends through
	// forwarders (by backend address) on its host address.
	local      *labnode.Info
	forwarders map[string]*forwarder
	prepared   bool
}

// New returns a Kubernetes runtime.
func New(opts Options) *Runtime {
	opts.Restarts = opts.Restarts.WithDefaults()
	return &Runtime{opts: opts, cs: opts.Client, backends: slices.Clone(opts.Backends)}
}

// RESTConfig reads the REST config of context kubeContext (the current
// context when "") from kubeconfig: a file, or when "" the usual places
// ($KUBECONFIG, ~/.kube/config), as kubectl does.
func RESTConfig(kubeconfig, kubeContext string) (*rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.ExplicitPath = kubeconfig
	}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules,
		&clientcmd.ConfigOverrides{CurrentContext: kubeContext}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubernetes: kubeconfig %q, context %q: %w", kubeconfig, kubeContext, err)
	}
	return cfg, nil
}

// Name is "kubernetes".
func (r *Runtime) Name() string { return "kubernetes" }

// Network is "": the replicas are on the cluster's network, which no
// Postgres container of this machine joins.
func (r *Runtime) Network() string { return "" }

// AddBackends adds servers the replicas connect to; call it before the
// first Run.
func (r *Runtime) AddBackends(b ...runtimes.Backend) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.backends = append(r.backends, b...)
}

// Close stops the forwarders to a local node's pods, if any; each Run
// deletes its namespace itself.
func (r *Runtime) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var errs []error
	for _, f := range r.forwarders {
		errs = append(errs, f.close())
	}
	r.forwarders = nil
	return errors.Join(errs...)
}

// Prepare connects to the cluster and checks that its API server answers,
// before the lab starts anything else.
func (r *Runtime) Prepare(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opts.Image == "" {
		return errors.New("kubernetes runtime: no image (build one with labs/appimage: go tool mage images:lab)")
	}
	if r.cs == nil {
		if r.opts.Config == nil {
			return errors.New("kubernetes runtime: no cluster: give a kubeconfig and context")
		}
		cs, err := clientset.NewForConfig(r.opts.Config)
		if err != nil {
			return fmt.Errorf("kubernetes runtime: %w", err)
		}
		r.cs = cs
	}
	if _, err := r.cs.Discovery().ServerVersion(); err != nil {
		return fmt.Errorf("kubernetes runtime: the API server does not answer (is the kubeconfig's context the cluster you mean?): %w", err)
	}
	if !r.prepared {
		if err := r.useLocalNode(ctx); err != nil {
			return err
		}
		r.prepared = true
	}
	return nil
}

// Run deploys d into a fresh namespace and reports its pods' events until
// ctx is done; then it deletes the namespace.
func (r *Runtime) Run(ctx context.Context, d spec.Deployment, sink func(runtimes.Event)) error {
	// d is validated once, by Render, before anything is created.
	if err := r.Prepare(ctx); err != nil {
		return err
	}
	routes, err := r.routes()
	if err != nil {
		return err
	}
	if r.opts.LogDir != "" {
		if err := os.MkdirAll(r.opts.LogDir, 0o755); err != nil {
			return fmt.Errorf("kubernetes runtime: %w", err)
		}
	}
	d = RewriteEnv(d, routes)
	ns := "lab-" + d.Name + "-" + strings.ToLower(rand.Text()[:6])
	dep, secret, err := Render(d, RenderOptions{Namespace: ns, Image: r.opts.Image, ImagePullPolicy: r.opts.ImagePullPolicy})
	if err != nil {
		return err
	}
	if r.local != nil {
		// The image was loaded into that node only.
		dep.Spec.Template.Spec.NodeSelector = map[string]string{corev1.LabelHostname: r.local.Node}
	}
	if err := r.createNamespace(ctx, ns, secret); err != nil {
		return err
	}
	defer func() {
		// Not waited for: a namespace takes seconds to go, and the next
		// run has a namespace of its own.
		bg := metav1.DeletePropagationBackground
		_ = r.cs.CoreV1().Namespaces().Delete(context.WithoutCancel(ctx), ns, metav1.DeleteOptions{PropagationPolicy: &bg})
	}()
	return r.deploy(ctx, ns, dep.Spec.Replicas, func(ctx context.Context) error {
		_, err := r.cs.AppsV1().Deployments(ns).Create(ctx, dep, metav1.CreateOptions{FieldValidation: "Strict"})
		return err
	}, sink)
}

// createNamespace creates the run's namespace, labelled as the labs', and
// the Secret the Deployment reads its DSNs from.
func (r *Runtime) createNamespace(ctx context.Context, ns string, secret *corev1.Secret) error {
	if _, err := r.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: ns, Labels: map[string]string{LabelPartOf: PartOf},
	}}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("kubernetes runtime: create namespace %s (the context's user must be allowed to): %w", ns, err)
	}
	if secret != nil {
		if _, err := r.cs.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{FieldValidation: "Strict"}); err != nil {
			return fmt.Errorf("kubernetes runtime: create secret: %w", err)
		}
	}
	return nil
}

// deploy watches the namespace's pods, then creates the Deployment, and
// reports events until ctx is done.
func (r *Runtime) deploy(ctx context.Context, ns string, replicas *int32, create func(context.Context) error, sink func(runtimes.Event)) error {
	emit := pods.Serialize(sink)
	w := newWatch(r, ns, int(*replicas), emit)
	stopInformer := make(chan struct{})
	factory := informers.NewSharedInformerFactoryWithOptions(r.cs, 0, informers.WithNamespace(ns))
	inf := factory.Core().V1().Pods().Informer()
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { w.observe(ctx, obj) },
		UpdateFunc: func(_, obj any) { w.observe(ctx, obj) },
	}); err != nil {
		return fmt.Errorf("kubernetes runtime: watch pods: %w", err)
	}
	factory.Start(stopInformer)
	defer func() {
		close(stopInformer)
		factory.Shutdown()
		w.wait()
	}()
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return nil
	}
	// A Deployment releases its pods together: the ReplicaSet controller
	// creates them in one pass and the kubelet starts them as they land.
	releasedAt := time.Now()
	if err := create(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("kubernetes runtime: create deployment: %w", err)
	}
	emit(runtimes.Event{Time: releasedAt, Replica: -1, Kind: runtimes.Released})
	<-ctx.Done()
	return nil
}

// routes are where pods dial each backend: PodRoutes, or on a local node
// without PodPostgres, the forwarders.
func (r *Runtime) routes() (map[string]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.local != nil && r.opts.PodPostgres == "" {
		return r.localRoutes()
	}
	return PodRoutes(r.backends, r.opts.PodPostgres)
}

// RewriteEnv returns d with every address in its containers' environment
// that is a key of routes replaced by its value (pods.RewriteAddrs).
func RewriteEnv(d spec.Deployment, routes map[string]string) spec.Deployment {
	d.InitContainers = slices.Clone(d.InitContainers)
	for i := range d.InitContainers {
		d.InitContainers[i].Env = pods.RewriteAddrs(d.InitContainers[i].Env, routes)
	}
	d.Container.Env = pods.RewriteAddrs(d.Container.Env, routes)
	return d
}

// ErrLoopbackBackend is returned by [PodRoutes] (and so by Run) for a
// backend on this machine's loopback with no address pods reach it at.
var ErrLoopbackBackend = errors.New("backend on this machine's loopback, which no pod reaches")

// PodRoutes decides where pods dial each backend: at podPostgres
// (HOST:PORT, or a URL whose host and port are taken) when given, else at
// the backend's own address, which must not be loopback.
func PodRoutes(backends []runtimes.Backend, podPostgres string) (map[string]string, error) {
	if podPostgres == "" {
		for _, b := range backends {
			if b.Loopback() {
				return nil, fmt.Errorf("kubernetes runtime: %s is a %w: say where pods reach it (Options.PodPostgres)", b.Addr, ErrLoopbackBackend)
			}
		}
		return nil, nil
	}
	addr := podPostgres
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil {
			// Not wrapped: url's error quotes the URL, password and all.
			return nil, errors.New("kubernetes runtime: the pods' postgres address is not a URL: want HOST:PORT or postgres://HOST:PORT")
		}
		addr = u.Host
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return nil, fmt.Errorf("kubernetes runtime: pod postgres address %q: want HOST:PORT", addr)
	}
	routes := map[string]string{}
	for _, b := range backends {
		routes[b.Addr] = addr
	}
	return routes, nil
}
