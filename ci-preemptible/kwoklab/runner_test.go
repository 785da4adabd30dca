package kwoklab

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bloglabs/posts/tools/controlplane/cptest"
)

// failPod works from the pods the runner listed a moment ago, while kwok
// writes the same pods' status: a stale copy must still fail the pod (CI
// once stopped on "the object has been modified"), and a pod that finished
// on its own in the meantime must be left as it finished.
func TestFailPodFromAStaleCopy(t *testing.T) {
	ns := cptest.Namespace(t)
	cs := cptest.Client(t, cptest.Shared(t))
	r := &runner{cs: cs, ns: ns}
	ctx := t.Context()
	pods := cs.CoreV1().Pods(ns)
	create := func(name string) *corev1.Pod {
		t.Helper()
		// Bound to a node that does not exist: neither the scheduler nor
		// kwok touches it, so the test alone writes its status.
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       corev1.PodSpec{NodeName: "nowhere", Containers: []corev1.Container{{Name: "job", Image: "job"}}},
		}
		p, err := pods.Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	setPhase := func(p *corev1.Pod, phase corev1.PodPhase) {
		t.Helper()
		q := p.DeepCopy()
		q.Status.Phase = phase
		if _, err := pods.UpdateStatus(ctx, q, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	stale := create("running")
	setPhase(stale, corev1.PodRunning) // the copy is now one version behind
	failed, err := r.failPod(ctx, stale)
	if err != nil || !failed {
		t.Fatalf("failPod on a stale copy = %v, %v; want true, nil", failed, err)
	}
	got, err := pods.Get(ctx, "running", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.Phase != corev1.PodFailed || got.Status.Reason != "Terminated" {
		t.Errorf("pod is %s (%q), want Failed (Terminated)", got.Status.Phase, got.Status.Reason)
	}

	finished := create("finished")
	setPhase(finished, corev1.PodSucceeded)
	failed, err = r.failPod(ctx, finished)
	if err != nil || failed {
		t.Fatalf("failPod on a pod that succeeded meanwhile = %v, %v; want false, nil", failed, err)
	}
	if got, _ := pods.Get(ctx, "finished", metav1.GetOptions{}); got.Status.Phase != corev1.PodSucceeded {
		t.Errorf("pod is %s, want it left Succeeded", got.Status.Phase)
	}
}

// succeedPod ends a job pod as its script would, on a cluster whose kwok
// has only its default stages: Succeeded, every container terminated with
// exit code 0; a pod that failed first (preempted) is left Failed.
func TestSucceedPod(t *testing.T) {
	ns := cptest.Namespace(t)
	cs := cptest.Client(t, cptest.Shared(t))
	r := &runner{cs: cs, ns: ns}
	ctx := t.Context()
	pods := cs.CoreV1().Pods(ns)
	create := func(name string, phase corev1.PodPhase) *corev1.Pod {
		t.Helper()
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{NodeName: "nowhere", Containers: []corev1.Container{
				{Name: "build", Image: "build"}, {Name: "helper", Image: "helper"}}},
		}
		p, err := pods.Create(ctx, p, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.Phase = phase
		if p, err = pods.UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		return p
	}

	ok, err := r.succeedPod(ctx, create("running", corev1.PodRunning))
	if err != nil || !ok {
		t.Fatalf("succeedPod on a running pod = %v, %v; want true, nil", ok, err)
	}
	got, err := pods.Get(ctx, "running", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.Phase != corev1.PodSucceeded || len(got.Status.ContainerStatuses) != 2 {
		t.Fatalf("pod is %s with %d container statuses, want Succeeded with 2", got.Status.Phase, len(got.Status.ContainerStatuses))
	}
	for _, c := range got.Status.ContainerStatuses {
		if term := c.State.Terminated; term == nil || term.ExitCode != 0 || term.Reason != "Completed" {
			t.Errorf("container %s: state %+v, want terminated, Completed, exit code 0", c.Name, c.State)
		}
	}

	ok, err = r.succeedPod(ctx, create("preempted", corev1.PodFailed))
	if err != nil || ok {
		t.Fatalf("succeedPod on a failed pod = %v, %v; want false, nil", ok, err)
	}
	if got, _ := pods.Get(ctx, "preempted", metav1.GetOptions{}); got.Status.Phase != corev1.PodFailed {
		t.Errorf("pod is %s, want it left Failed", got.Status.Phase)
	}
}
