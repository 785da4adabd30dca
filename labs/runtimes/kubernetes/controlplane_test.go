package kubernetes_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clientset "k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/bloglabs/posts/internal/golden"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/contract"
	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
	"github.com/bloglabs/posts/labs/spec"
	"github.com/bloglabs/posts/tools/controlplane"
	"github.com/bloglabs/posts/tools/controlplane/cptest"
)

var record = flag.Bool("record", false, "rewrite testdata/pods/SCENARIO.yaml with the pod objects the control plane's watch gave")

func TestMain(m *testing.M) { cptest.Main(m) }

// scenarios run on the control plane. Their deployments' names select the
// kwok stages that play the kubelet (testdata/stages/scripted.yaml); fix-ran
// gets kwok's default pod-ready stage: init containers done, app ready.
var scenarios = []struct {
	name string
	init bool
}{{"fix-ran", true}, {"init-crashloop", true}, {"race-crashloop", false}}

// labSpec is a deployment shaped like the labs': runonce as the init
// container, the demo app with a readiness probe, a DSN in the environment.
func labSpec(name string, withInit bool, replicas int) spec.Deployment {
	const dsn = "postgres://lab:not-a-real-password@127.0.0.1:5432/lab_x?sslmode=disable"
	d := spec.Deployment{Name: name, Replicas: replicas, Container: spec.Container{
		Name: "app", Command: []string{"demoapp", "serve"}, Port: 8080,
		Env:       []spec.EnvVar{{Name: "DATABASE_URL", Value: dsn}},
		Readiness: &spec.HTTPProbe{Path: "/readyz"},
	}}
	if withInit {
		d.InitContainers = []spec.Container{{Name: "migrate",
			Command: []string{"runonce", "--name", "demoapp-schema", "--version", "v4", "--", "demoapp", "migrate"},
			Env:     []spec.EnvVar{{Name: "RUNONCE_DSN", Value: dsn}}}}
	}
	return d
}

// startControlPlane starts a control plane of the test's own, with the
// scripted stages and one node. The node's kubelet address is a closed port
// on loopback, so that `kubectl logs` fails at once (kwok serves no logs)
// instead of hanging on an address nobody answers.
func startControlPlane(t *testing.T) *controlplane.Cluster {
	t.Helper()
	scripted, err := os.ReadFile(filepath.Join("testdata", "stages", "scripted.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ready := controlplane.DefaultStages()["pod-ready"]
	exclude := "    matchExpressions:\n" +
		"    - key: '.metadata.labels[\"app.kubernetes.io/name\"]'\n" +
		"      operator: 'NotIn'\n" +
		"      values: ['init-crashloop', 'race-crashloop']\n"
	if !strings.Contains(ready, "    matchExpressions:\n") {
		t.Fatal("kwok's pod-ready stage has no matchExpressions to extend")
	}
	ready = strings.Replace(ready, "    matchExpressions:\n", exclude, 1)
	node := controlplane.Node("worker", nil)
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: "localhost"}, {Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = 1
	return cptest.New(t, controlplane.Options{Stages: []string{ready, string(scripted)}, Nodes: []*corev1.Node{node}})
}

// namespace creates a namespace for the test, returned once pods can be
// created in it.
func namespace(t *testing.T, cs clientset.Interface) string {
	t.Helper()
	name := cptest.Name(t)
	if _, err := cs.CoreV1().Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, err := cs.CoreV1().ServiceAccounts(name).Get(t.Context(), "default", metav1.GetOptions{}); err == nil {
			return name
		} else if time.Now().After(deadline) {
			t.Fatalf("namespace %s: no default ServiceAccount after 60s: %v", name, err)
		}
	}
}

// line is an event as the tests compare them: no time, no pod name.
func line(e runtimes.Event) string {
	s := string(e.Kind)
	if e.Container != "" {
		s += fmt.Sprintf(" container=%s init=%v attempt=%d", e.Container, e.Init, e.Attempt)
	}
	if e.Kind == runtimes.Crashed || e.Kind == runtimes.InitDone {
		s += fmt.Sprintf(" exit=%d", e.ExitCode)
	}
	if e.Detail != "" {
		s += fmt.Sprintf(" detail=%q", e.Detail)
	}
	return s
}

// final says a replica's story is over: ready, or given up.
func final(e runtimes.Event) bool { return e.Kind == runtimes.Ready || e.Kind == runtimes.GaveUp }

func TestOnControlPlane(t *testing.T) {
	c := startControlPlane(t)
	cs := cptest.Client(t, c)

	// The golden Deployment and Secret the renderer's tests hold pass the
	// API server's own validation, strictly: an unknown or duplicate field
	// is an error, not a warning.
	t.Run("RenderedObjectsPassStrictValidation", func(t *testing.T) {
		t.Parallel()
		ns := namespace(t, cs)
		for _, f := range []string{"fix-deployment.yaml", "fix-secret.yaml", "race-deployment.yaml"} {
			b, err := os.ReadFile(filepath.Join("testdata", f))
			if err != nil {
				t.Fatal(err)
			}
			b = bytes.ReplaceAll(b, []byte("namespace: lab-demo-x1"), []byte("namespace: "+ns))
			b = bytes.ReplaceAll(b, []byte("namespace: default"), []byte("namespace: "+ns))
			if err := controlplane.DryRun(t.Context(), c.RESTConfig(), ns, b); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	})

	for _, sc := range scenarios {
		t.Run("Tracker/"+sc.name, func(t *testing.T) {
			t.Parallel()
			trackScenario(t, c, cs, sc.name, sc.init)
		})
	}

	t.Run("Run", func(t *testing.T) {
		t.Parallel()
		runFixRan(t, cs)
	})

	// The runtime contract (labs/runtimes/contract). This control plane's
	// one node is kwok's: only the scenarios that need no program run
	// (TestContractOnARealNode runs them all).
	t.Run("Contract", func(t *testing.T) {
		t.Parallel()
		contract.Run(t, contractTarget(t, cs))
	})
}

// trackScenario creates the scenario's Deployment (strict validation), and
// feeds every pod the real ReplicaSet controller creates, as the watch
// reports it, to a PodTracker. Every replica must tell the story in
// testdata/live/SCENARIO.events.
func trackScenario(t *testing.T, c *controlplane.Cluster, cs clientset.Interface, name string, withInit bool) {
	const replicas = 2
	ctx := t.Context()
	ns := namespace(t, cs)
	dep, secret, err := kubernetes.Render(labSpec(name, withInit, replicas), kubernetes.RenderOptions{Namespace: ns, Image: "bloglabs/lab:test"})
	if err != nil {
		t.Fatal(err)
	}
	strict := metav1.CreateOptions{FieldValidation: "Strict"}
	if _, err := cs.CoreV1().Secrets(ns).Create(ctx, secret, strict); err != nil {
		t.Fatal(err)
	}
	w, err := cs.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, dep, strict); err != nil {
		t.Fatalf("strict create of the rendered Deployment: %v", err)
	}

	type seen struct {
		tracker *kubernetes.PodTracker
		lines   []string
		pods    []*corev1.Pod
		done    bool
	}
	pods := map[types.UID]*seen{}
	var order []types.UID
	timeout := time.After(90 * time.Second)
	for finished := 0; finished < replicas; {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				t.Fatal("the watch ended")
			}
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				t.Fatalf("watch event %s of %T", ev.Type, ev.Object)
			}
			s := pods[p.UID]
			if s == nil {
				if ref := metav1.GetControllerOf(p); ref == nil || ref.Kind != "ReplicaSet" {
					t.Fatalf("pod %s controlled by %+v, want a ReplicaSet", p.Name, ref)
				}
				s = &seen{tracker: kubernetes.NewPodTracker(len(order), 2)}
				pods[p.UID] = s
				order = append(order, p.UID)
			}
			s.pods = append(s.pods, p.DeepCopy())
			for _, e := range s.tracker.Update(p, time.Now()) {
				s.lines = append(s.lines, line(e))
				if final(e) && !s.done {
					s.done = true
					finished++
				}
			}
		case <-timeout:
			for _, uid := range order {
				t.Logf("pod %s: %d states, events %q", pods[uid].pods[0].Name, len(pods[uid].pods), pods[uid].lines)
			}
			kwokLog, _ := os.ReadFile(filepath.Join(c.Dir(), "kwok.log"))
			var errs []string
			for l := range strings.Lines(string(kwokLog)) {
				if strings.Contains(l, `"level":"ERROR"`) {
					errs = append(errs, l)
				}
			}
			t.Fatalf("%d of %d replicas ready or given up after 90s; kwok's errors:\n%s", finished, replicas, strings.Join(errs, ""))
		}
	}
	if len(order) != replicas {
		t.Errorf("%d pods, want %d", len(order), replicas)
	}
	first := pods[order[0]]
	golden.Assert(t, filepath.Join("live", name+".events"), []byte(strings.Join(first.lines, "\n")+"\n"))
	for _, uid := range order[1:] {
		if got := pods[uid].lines; !slices.Equal(got, first.lines) {
			t.Errorf("replica %s: events %q, want the same as the first replica's %q", pods[uid].pods[0].Name, got, first.lines)
		}
	}
	if *record {
		recordPods(t, name, first.pods)
	}
}

// recordPods writes a replica's successive pod objects as the fixture of
// TestPodTrackerFromRecordedPods, without their managedFields (noise for a
// reader; the tracker never reads them).
func recordPods(t *testing.T, name string, pods []*corev1.Pod) {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Recorded by `go test -run TestOnControlPlane/Tracker/%s -record`: the\n"+
		"# states of one pod of a Deployment on tools/controlplane, as the API\n"+
		"# server's watch gave them (kwok's stages playing the kubelet).\n", name)
	for i, p := range pods {
		p = p.DeepCopy()
		p.ManagedFields = nil
		p.APIVersion, p.Kind = "v1", "Pod"
		y, err := yaml.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			b.WriteString("---\n")
		}
		b.Write(y)
	}
	if err := os.WriteFile(filepath.Join("testdata", "pods", name+".yaml"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Run end to end: the namespace, the Secret holding the DSN rewritten to
// the address pods reach Postgres at, the Deployment, and the events of
// both replicas through the runtime's informer; the namespace is deleted
// after.
func runFixRan(t *testing.T, cs clientset.Interface) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	rt := kubernetes.New(kubernetes.Options{Client: cs, Image: "bloglabs/lab:test", Restarts: runtimes.RestartPolicy{MaxRestarts: 2},
		Backends: []runtimes.Backend{{Name: "postgres", Addr: "127.0.0.1:5432"}}, PodPostgres: "postgres.db.svc:5432"})
	d := labSpec("fix-ran", true, 2)

	var (
		mu     sync.Mutex
		events []runtimes.Event
		ready  = map[int]bool{}
		secret *corev1.Secret
	)
	sink := func(e runtimes.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
		if e.Kind == runtimes.Ready {
			ready[e.Replica] = true
		}
		if len(ready) == d.Replicas && secret == nil {
			secret = runSecret(t, cs)
			cancel()
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- rt.Run(ctx, d, sink) }()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(120 * time.Second):
		cancel()
		<-errc
		t.Fatalf("not every replica ready after 120s; events %+v", events)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(events) == 0 || events[0].Kind != runtimes.Released {
		t.Fatalf("events %+v, want released first", events)
	}
	want := []string{
		"started container=migrate init=true attempt=0",
		"init-done container=migrate init=true attempt=0 exit=0",
		"started container=app init=false attempt=0",
		"ready container=app init=false attempt=0",
	}
	for i := range d.Replicas {
		var got []string
		for _, e := range events {
			if e.Replica == i && e.Kind != runtimes.Output {
				got = append(got, line(e))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("replica %d: %q, want %q", i, got, want)
		}
	}
	if secret == nil {
		t.Fatal("the run's Secret was not found")
	}
	for k, v := range secret.Data {
		if !strings.Contains(string(v), "@postgres.db.svc:5432/") {
			t.Errorf("secret %s = %s, want the DSN pointed at postgres.db.svc:5432 (Options.PodPostgres)", k, v)
		}
	}
	gone, err := cs.CoreV1().Namespaces().Get(context.Background(), secret.Namespace, metav1.GetOptions{})
	if err == nil && gone.DeletionTimestamp == nil {
		t.Errorf("namespace %s still there after Run returned", secret.Namespace)
	} else if err != nil && !apierrors.IsNotFound(err) {
		t.Error(err)
	}
}

// runSecret is the Secret of the one run in progress (namespace lab-fix-ran-*).
func runSecret(t *testing.T, cs clientset.Interface) *corev1.Secret {
	nss, err := cs.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{LabelSelector: kubernetes.LabelPartOf + "=" + kubernetes.PartOf})
	if err != nil {
		t.Error(err)
		return nil
	}
	for _, ns := range nss.Items {
		if strings.HasPrefix(ns.Name, "lab-fix-ran-") {
			s, err := cs.CoreV1().Secrets(ns.Name).Get(context.Background(), "fix-ran-env", metav1.GetOptions{})
			if err != nil {
				t.Error(err)
				return nil
			}
			return s
		}
	}
	t.Error("no namespace lab-fix-ran-*")
	return nil
}
