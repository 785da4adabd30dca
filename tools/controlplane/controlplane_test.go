package controlplane_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bloglabs/posts/internal/kube"
	"github.com/bloglabs/posts/tools/controlplane"
	"github.com/bloglabs/posts/tools/controlplane/cptest"
)

func TestMain(m *testing.M) { cptest.Main(m) }

const preemptible = "cloud.google.com/gke-preemptible"

// waitPod polls the pod until cond holds, or fails after 30 s showing the
// last state seen.
func waitPod(t *testing.T, cs kubernetes.Interface, ns, name, want string, cond func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	var last *corev1.Pod
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		p, err := cs.CoreV1().Pods(ns).Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if last = p; cond(p) {
			return p
		}
	}
	t.Fatalf("pod %s: want %s within 30s; last seen: node %q, phase %s, conditions %+v", name, want, last.Spec.NodeName, last.Status.Phase, last.Status.Conditions)
	return nil
}

func pod(name string, selector map[string]string, tolerations ...corev1.Toleration) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			NodeSelector: selector,
			Tolerations:  tolerations,
			Containers:   []corev1.Container{{Name: "job", Image: "alpine:3.22"}},
		},
	}
}

func podScheduled(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodScheduled {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// A node created through the API, as a user or a lab would, becomes Ready:
// kwok manages every node, with no marker needed.
func TestNodeBecomesReadyThroughKwok(t *testing.T) {
	t.Parallel()
	c := cptest.Shared(t)
	cs := cptest.Client(t, c)
	name := cptest.Name(t)
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cs.CoreV1().Nodes().Create(t.Context(), n, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}) })
	t0 := time.Now()
	for !func() bool {
		got, err := cs.CoreV1().Nodes().Get(t.Context(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return kube.NodeReady(got)
	}() {
		if time.Since(t0) > 30*time.Second {
			t.Fatalf("node %s not Ready after 30s", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("node Ready %v after create", time.Since(t0).Round(time.Millisecond))
}

// The real scheduler places a pod that selects and tolerates a tainted node
// there, and leaves one that selects it without tolerating the taint
// Pending, with the scheduler's own reason; kwok then runs the placed pod.
func TestSchedulerHonoursTaintsTolerationsAndSelectors(t *testing.T) {
	t.Parallel()
	c := cptest.Shared(t)
	cs := cptest.Client(t, c)
	ns := cptest.Namespace(t)
	// A label of this test's own, so that nodes of parallel tests never fit.
	pool := map[string]string{"pool": cptest.Name(t)}
	node := controlplane.Node(pool["pool"], map[string]string{"pool": pool["pool"], preemptible: "true"},
		corev1.Taint{Key: preemptible, Value: "true", Effect: corev1.TaintEffectNoSchedule})
	if _, err := cs.CoreV1().Nodes().Create(t.Context(), node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.CoreV1().Nodes().Delete(context.Background(), node.Name, metav1.DeleteOptions{}) })

	tolerates := corev1.Toleration{Key: preemptible, Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule}
	for _, p := range []*corev1.Pod{pod("tolerated", pool, tolerates), pod("untolerated", pool)} {
		if _, err := cs.CoreV1().Pods(ns).Create(t.Context(), p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	placed := waitPod(t, cs, ns, "tolerated", "Running on "+node.Name, func(p *corev1.Pod) bool {
		return p.Spec.NodeName != "" && p.Status.Phase == corev1.PodRunning
	})
	if placed.Spec.NodeName != node.Name || placed.Status.PodIP == "" {
		t.Errorf("tolerated pod on node %q with IP %q, want node %s and an IP from kwok", placed.Spec.NodeName, placed.Status.PodIP, node.Name)
	}

	pending := waitPod(t, cs, ns, "untolerated", "Unschedulable", func(p *corev1.Pod) bool {
		cond := podScheduled(p)
		return cond != nil && cond.Status == corev1.ConditionFalse && cond.Reason == corev1.PodReasonUnschedulable
	})
	msg := podScheduled(pending).Message
	if pending.Spec.NodeName != "" || pending.Status.Phase != corev1.PodPending || !strings.Contains(msg, "had untolerated taint") {
		t.Errorf("untolerated pod: node %q, phase %s, message %q; want Pending, unplaced, with the scheduler's untolerated-taint message",
			pending.Spec.NodeName, pending.Status.Phase, msg)
	}
	t.Logf("scheduler: %s", msg)
}

// The binaries report the version they were built as (ldflags -X), not
// v0.0.0-master.
func TestServerVersion(t *testing.T) {
	t.Parallel()
	v, err := cptest.Client(t, cptest.Shared(t)).Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != controlplane.KubernetesVersion {
		t.Errorf("server version %q, want %s", v.GitVersion, controlplane.KubernetesVersion)
	}
}

// Options.Stages reach kwok: a custom stage completes a pod after the
// duration in its annotation (how a lab makes CI jobs run for a while).
func TestCustomStage(t *testing.T) {
	t.Parallel()
	stage, err := os.ReadFile("testdata/pod-complete-after.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := cptest.New(t, controlplane.Options{
		Stages: []string{string(stage)},
		Nodes:  []*corev1.Node{controlplane.Node("worker", nil)},
	})
	cs := cptest.Client(t, c)
	p := pod("job", nil)
	p.Annotations = map[string]string{"controlplane.test/run-for": "2s"}
	p.Spec.RestartPolicy = corev1.RestartPolicyNever
	if _, err := cs.CoreV1().Pods("default").Create(t.Context(), p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Wall clock: the pod's own timestamps have whole seconds only.
	waitPod(t, cs, "default", "job", "Running", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	t0 := time.Now()
	waitPod(t, cs, "default", "job", "Succeeded", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodSucceeded })
	if ran := time.Since(t0); ran < 1500*time.Millisecond || ran > 5*time.Second {
		t.Errorf("pod ran %v, want about the 2s of its annotation", ran)
	}
}

// DryRun is strict: a misspelt field is the server's error, not a warning,
// and the object is named; a valid object passes and is not stored.
func TestDryRunIsStrict(t *testing.T) {
	t.Parallel()
	c := cptest.Shared(t)
	ns := cptest.Namespace(t)
	good := `apiVersion: v1
kind: ConfigMap
metadata:
  name: good
data: {a: b}
`
	bad := `---
apiVersion: v1
kind: Pod
metadata:
  name: misspelt
spec:
  toleration: []
  containers: [{name: c, image: alpine}]
`
	if err := controlplane.DryRun(t.Context(), c.RESTConfig(), ns, []byte(good)); err != nil {
		t.Fatalf("valid ConfigMap: %v", err)
	}
	cs := cptest.Client(t, c)
	if _, err := cs.CoreV1().ConfigMaps(ns).Get(t.Context(), "good", metav1.GetOptions{}); err == nil {
		t.Error("dry run stored the ConfigMap")
	}
	err := controlplane.DryRun(t.Context(), c.RESTConfig(), ns, []byte(good+bad))
	if err == nil || !strings.Contains(err.Error(), "Pod misspelt") || !strings.Contains(err.Error(), `unknown field "spec.toleration"`) {
		t.Errorf("misspelt field: %v; want the Pod named and the unknown field reported", err)
	}
}
