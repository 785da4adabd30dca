package kindlab_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/golden"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/bloglabs/posts/ci-preemptible/kindlab"
	"github.com/bloglabs/posts/ci-preemptible/sim"
	"github.com/bloglabs/posts/labs/runtimes/kind"
)

func load[T any](t *testing.T, path string) T {
	t.Helper()
	var v T
	data, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

func TestJobPodVariants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		variant   kindlab.Variant
		tolerates bool
	}{
		{kindlab.VariantJob, true},
		{kindlab.VariantRetry, true},
		{kindlab.VariantForgotten, false},
	} {
		p, err := kindlab.JobPod("job-x", tc.variant)
		if err != nil {
			t.Fatalf("%s: %v", tc.variant, err)
		}
		if p.Name != "job-x" || p.Namespace != "" || kindlab.Variant(p.Labels[kindlab.LabelVariant]) != tc.variant || p.Labels["pod"] != "runner-job" {
			t.Errorf("%s: name %q namespace %q labels %v, want job-x, none, the manifest's and the variant's", tc.variant, p.Name, p.Namespace, p.Labels)
		}
		if got := p.Spec.NodeSelector[kindlab.PreemptibleKey]; got != "true" {
			t.Errorf("%s: nodeSelector %v, want %s=true kept", tc.variant, p.Spec.NodeSelector, kindlab.PreemptibleKey)
		}
		tolerates := false
		for _, tol := range p.Spec.Tolerations {
			tolerates = tolerates || tol.Key == kindlab.PreemptibleKey
		}
		if tolerates != tc.tolerates {
			t.Errorf("%s: tolerations %v, want toleration of %s: %v", tc.variant, p.Spec.Tolerations, kindlab.PreemptibleKey, tc.tolerates)
		}
		if p.Spec.RestartPolicy != corev1.RestartPolicyNever || len(p.Spec.Containers) != 2 {
			t.Errorf("%s: restartPolicy %q, %d containers: want job-pod.yaml's Never and 2", tc.variant, p.Spec.RestartPolicy, len(p.Spec.Containers))
		}
	}
	// Each call decodes afresh: removing a toleration must not leak into
	// the next pod.
	if p, _ := kindlab.JobPod("again", kindlab.VariantJob); len(p.Spec.Tolerations) == 0 {
		t.Error("a job pod built after a forgotten one lost its toleration")
	}
	if _, err := kindlab.JobPod("x", "nope"); err == nil {
		t.Error("unknown variant accepted")
	}
}

// The recorded nodes are the cluster kind.PreemptibleCluster creates, and
// the manifests land on them, by kube-scheduler's own predicates (package
// sim), where the lab says they should.
func TestManifestsOnThePreemptibleCluster(t *testing.T) {
	t.Parallel()
	nodes := load[corev1.NodeList](t, "landed/nodes.yaml").Items
	workers := kind.PreemptibleCluster(kindlab.DefaultCluster).Workers
	for i, w := range workers {
		n := nodes[i+1] // after the control plane
		for k, v := range w.Labels {
			if n.Labels[k] != v {
				t.Errorf("testdata node %s: label %s=%q, want %q as kind.PreemptibleCluster", n.Name, k, n.Labels[k], v)
			}
		}
		if !reflect.DeepEqual(n.Spec.Taints, w.Taints) {
			t.Errorf("testdata node %s: taints %v, want %v as kind.PreemptibleCluster", n.Name, n.Spec.Taints, w.Taints)
		}
	}
	web, err := kindlab.WebDeployment()
	if err != nil {
		t.Fatal(err)
	}
	if web.Namespace != "" || len(web.Spec.Template.Spec.Tolerations) != 0 || len(web.Spec.Template.Spec.NodeSelector) != 0 {
		t.Errorf("web: namespace %q, tolerations %v, nodeSelector %v: want none of them", web.Namespace,
			web.Spec.Template.Spec.Tolerations, web.Spec.Template.Spec.NodeSelector)
	}
	webPod := &corev1.Pod{ObjectMeta: web.Spec.Template.ObjectMeta, Spec: web.Spec.Template.Spec}
	job, _ := kindlab.JobPod("job", kindlab.VariantJob)
	forgot, _ := kindlab.JobPod("forgot", kindlab.VariantForgotten)
	for _, tc := range []struct {
		pod  *corev1.Pod
		fits []string
	}{
		{job, []string{"preemptible-lab-worker2"}},
		{webPod, []string{"preemptible-lab-worker"}},
		{forgot, nil},
	} {
		var fits []string
		for i := range nodes {
			ok, _, err := sim.Schedulable(tc.pod, &nodes[i])
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				fits = append(fits, nodes[i].Name)
			}
		}
		if !reflect.DeepEqual(fits, tc.fits) {
			t.Errorf("%s fits %v, want %v", tc.pod.Name, fits, tc.fits)
		}
	}
}

func TestSummarize(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dir     string
		states  map[string]kindlab.State // pod → state
		reasons map[string]string        // pod → part of why
	}{
		{"landed",
			map[string]kindlab.State{"job-1": kindlab.StateRunning, "job-2": kindlab.StateRunning, "job-no-toleration": kindlab.StatePending, "web-7c9d8b6f5d-2xkqz": kindlab.StateRunning},
			map[string]string{"job-no-toleration": "2 node(s) had untolerated taint(s)"}},
		{"preempted",
			map[string]kindlab.State{"job-1": kindlab.StateLost, "job-2": kindlab.StateLost, "job-1-retry": kindlab.StatePending, "job-no-toleration": kindlab.StatePending, "web-7c9d8b6f5d-tq4rs": kindlab.StateRunning},
			map[string]string{"job-1": "Kubelet stopped posting node status.", "job-1-retry": "2 node(s) had untolerated taint(s)"}},
	} {
		pods := load[corev1.PodList](t, tc.dir+"/pods.yaml").Items
		nodes := load[corev1.NodeList](t, tc.dir+"/nodes.yaml").Items
		rows := kindlab.Summarize(pods, nodes)
		if len(rows) != len(pods) {
			t.Fatalf("%s: %d rows for %d pods", tc.dir, len(rows), len(pods))
		}
		by := map[string]kindlab.Row{}
		for _, r := range rows {
			by[r.Pod] = r
			if strings.Contains(r.Why, "preemption:") {
				t.Errorf("%s: %s: why %q keeps the scheduler's preemption sentence", tc.dir, r.Pod, r.Why)
			}
		}
		for pod, want := range tc.states {
			if got := by[pod].State; got != want {
				t.Errorf("%s: %s is %q, want %q", tc.dir, pod, got, want)
			}
		}
		for pod, want := range tc.reasons {
			if got := by[pod].Why; !strings.Contains(got, want) {
				t.Errorf("%s: %s: why %q, want it to say %q", tc.dir, pod, got, want)
			}
		}
		if !kindlab.Settled(rows) {
			t.Errorf("%s: not settled: %+v", tc.dir, rows)
		}
		if s := kindlab.Check(rows); len(s) != 0 {
			t.Errorf("%s: surprises %q, want none", tc.dir, s)
		}
		var out bytes.Buffer
		if err := kindlab.WriteTable(&out, rows); err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, tc.dir+"/table.golden", out.Bytes())
	}
}

// What the lab must not take for an answer, and what it must call a
// mistake.
func TestSettledAndCheck(t *testing.T) {
	t.Parallel()
	nodes := load[corev1.NodeList](t, "landed/nodes.yaml").Items
	pods := load[corev1.PodList](t, "landed/pods.yaml").Items

	// A pod the scheduler has not looked at yet, and one still starting.
	fresh := pods[5].DeepCopy()
	fresh.Status = corev1.PodStatus{Phase: corev1.PodPending}
	starting := pods[3].DeepCopy()
	starting.Status = corev1.PodStatus{Phase: corev1.PodPending, ContainerStatuses: []corev1.ContainerStatus{{Name: "build",
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}}}
	for name, p := range map[string]*corev1.Pod{"unscheduled": fresh, "starting": starting} {
		rows := kindlab.Summarize([]corev1.Pod{*p}, nodes)
		if kindlab.Settled(rows) {
			t.Errorf("%s pod counted as settled: %+v", name, rows)
		}
	}
	if r := kindlab.Summarize([]corev1.Pod{*starting}, nodes)[0]; r.Why != "ContainerCreating" {
		t.Errorf("starting pod: why %q, want ContainerCreating", r.Why)
	}

	// The taint missing: a web pod on the preemptible node.
	web := pods[0].DeepCopy()
	web.Spec.NodeName = "preemptible-lab-worker2"
	// The selector missing: a job on the ordinary worker.
	job := pods[3].DeepCopy()
	job.Spec.NodeName = "preemptible-lab-worker"
	s := kindlab.Check(kindlab.Summarize([]corev1.Pod{*web, *job}, nodes))
	if len(s) != 2 || !strings.Contains(s[0], "nodeSelector missing") || !strings.Contains(s[1], "taint missing") {
		t.Errorf("surprises %q, want the job's missing selector and the web pod's missing taint", s)
	}

	// A pod on a node that no longer exists (GKE deletes a preempted VM's
	// node) and a pod failed by the kubelet's graceful shutdown.
	gone := pods[3].DeepCopy()
	failed := pods[4].DeepCopy()
	failed.Status.Phase, failed.Status.Reason, failed.Status.Message = corev1.PodFailed, "Terminated", "Pod was terminated in response to imminent node shutdown."
	rows := kindlab.Summarize([]corev1.Pod{*gone, *failed}, nodes[:2])
	if rows[0].State != kindlab.StateLost || !strings.Contains(rows[0].Why, "is gone") {
		t.Errorf("pod on a deleted node: %+v, want lost, node gone", rows[0])
	}
	if rows[1].State != kindlab.StateFailed || rows[1].Why != "Terminated: Pod was terminated in response to imminent node shutdown." {
		t.Errorf("failed pod: %+v", rows[1])
	}
}
