package kindlab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// fakeCluster is an API server without a cluster behind it: the recorded
// nodes, a "scheduler" that binds a pod as it is created to the first node
// kube-scheduler's filters accept (sim.Schedulable) or marks it
// Unschedulable with a message in the scheduler's words, a "ReplicaSet
// controller" that creates a Deployment's pods, and a preemption that does
// what the node controller does once the kubelet is silent.
type fakeCluster struct {
	*fake.Clientset
	mu     sync.Mutex
	nodes  []corev1.Node
	nextID int
}

func newFakeCluster(t *testing.T) *fakeCluster {
	t.Helper()
	var list corev1.NodeList
	data, err := os.ReadFile("testdata/landed/nodes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, &list); err != nil {
		t.Fatal(err)
	}
	objs := make([]runtime.Object, len(list.Items))
	for i := range list.Items {
		objs[i] = &list.Items[i]
	}
	f := &fakeCluster{Clientset: fake.NewClientset(objs...), nodes: list.Items}
	f.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		f.schedule(t, a.(k8stesting.CreateAction).GetObject().(*corev1.Pod))
		return false, nil, nil
	})
	f.PrependReactor("create", "deployments", func(a k8stesting.Action) (bool, runtime.Object, error) {
		d := a.(k8stesting.CreateAction).GetObject().(*appsv1.Deployment)
		for range *d.Spec.Replicas {
			f.mu.Lock()
			f.nextID++
			name := fmt.Sprintf("%s-7c9d8b6f5d-%d", d.Name, f.nextID)
			f.mu.Unlock()
			p := &corev1.Pod{ObjectMeta: *d.Spec.Template.ObjectMeta.DeepCopy(), Spec: *d.Spec.Template.Spec.DeepCopy()}
			p.Name, p.Namespace = name, a.GetNamespace()
			// Straight into the tracker: the fake holds its lock while a
			// reactor runs, so creating through the clientset here would
			// deadlock.
			f.schedule(t, p)
			if err := f.Tracker().Add(p); err != nil {
				return true, nil, err
			}
		}
		return false, nil, nil
	})
	return f
}

func (f *fakeCluster) schedule(t *testing.T, p *corev1.Pod) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var why []string
	for i := range f.nodes {
		ok, reason, err := sim.Schedulable(p, &f.nodes[i])
		if err != nil {
			t.Error(err)
			return
		}
		if ok {
			p.Spec.NodeName = f.nodes[i].Name
			p.Status = corev1.PodStatus{Phase: corev1.PodRunning, Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}}
			return
		}
		why = append(why, "1 "+reason)
	}
	p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
		Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: "Unschedulable",
		Message: fmt.Sprintf("0/%d nodes are available: %s. preemption: not helpful", len(f.nodes), strings.Join(why, ", ")),
	}}}
}

// preempt is what the node controller does about a node whose kubelet went
// silent: Ready Unknown, the unreachable taints.
func (f *fakeCluster) preempt(ctx context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.nodes {
		n := &f.nodes[i]
		if n.Name != name {
			continue
		}
		n.Spec.Taints = append(n.Spec.Taints,
			corev1.Taint{Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoSchedule},
			corev1.Taint{Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoExecute})
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown", Message: "Kubelet stopped posting node status."}}
		_, err := f.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{})
		return err
	}
	return fmt.Errorf("no node %s", name)
}

// The kind lab's steps against the fake cluster: both tables, the right
// node preempted, and no surprise reported.
func TestLabSteps(t *testing.T) {
	t.Parallel()
	f := newFakeCluster(t)
	var stopped []string
	l := lab{cs: f, every: 5 * time.Millisecond, stop: func(ctx context.Context, node string) error {
		stopped = append(stopped, node)
		return f.preempt(ctx, node)
	}}
	var out bytes.Buffer
	o := Options{Jobs: 2, Timeout: 10 * time.Second}
	o.defaults()
	if err := l.run(context.Background(), &out, o); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	t.Log("\n" + text)
	if len(stopped) != 1 || stopped[0] != "preemptible-lab-worker2" {
		t.Errorf("stopped %v, want the preemptible worker only", stopped)
	}
	before, after, ok := strings.Cut(text, "2. After the preemption")
	if !ok {
		t.Fatalf("no second table:\n%s", text)
	}
	for _, want := range []string{
		"job-1  job  preemptible-lab-worker2  preemptible  running",
		"job-no-toleration  job, toleration forgotten  -  -  pending  Unschedulable: 0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {cloud.google.com/gke-preemptible: true}.",
		"web  preemptible-lab-worker  ordinary  running",
		"as expected",
	} {
		if !strings.Contains(squeeze(before), want) {
			t.Errorf("first table lacks %q:\n%s", want, before)
		}
	}
	for _, want := range []string{
		"job-1  job  preemptible-lab-worker2  preemptible  lost  node not Ready: Unknown: Kubelet stopped posting node status.",
		"job-1-retry  job retry  -  -  pending  Unschedulable:",
		"untolerated taint {node.kubernetes.io/unreachable: }",
		"as expected",
	} {
		if !strings.Contains(squeeze(after), want) {
			t.Errorf("second table lacks %q:\n%s", want, after)
		}
	}
	ns, err := f.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ns.Items) != 0 {
		t.Errorf("namespace %s left behind", ns.Items[0].Name)
	}
}

// A reused cluster without a preemptible node is refused before anything
// is applied.
func TestLabNeedsAPreemptibleNode(t *testing.T) {
	t.Parallel()
	f := newFakeCluster(t)
	if err := f.CoreV1().Nodes().Delete(context.Background(), "preemptible-lab-worker2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	l := lab{cs: f, every: 5 * time.Millisecond, stop: func(context.Context, string) error { t.Error("preempted"); return nil }}
	o := Options{Timeout: 2 * time.Second}
	o.defaults()
	err := l.run(context.Background(), &bytes.Buffer{}, o)
	if err == nil || !strings.Contains(err.Error(), ErrNoPreemptibleNode.Error()) {
		t.Errorf("err %v, want ErrNoPreemptibleNode", err)
	}
}

// squeeze collapses runs of blanks to two, so that a test reads a table's
// row whatever the column widths.
func squeeze(s string) string { return blanks.ReplaceAllString(s, "  ") }

var blanks = regexp.MustCompile(` {2,}`)
