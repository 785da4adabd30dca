package sim_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/bloglabs/posts/ci-preemptible/sim"
)

func TestNodeTolerationsLikeGitlabRunner(t *testing.T) {
	t.Parallel()
	got := sim.NodeTolerations(map[string]string{
		"cloud.google.com/gke-preemptible=true": "NoSchedule",
		"dedicated":                             "",
		"a=b=c":                                 "NoExecute",
	})
	want := []corev1.Toleration{
		{Key: "a", Operator: corev1.TolerationOpEqual, Value: "b=c", Effect: corev1.TaintEffectNoExecute},
		{Key: "cloud.google.com/gke-preemptible", Operator: corev1.TolerationOpEqual, Value: "true", Effect: corev1.TaintEffectNoSchedule},
		{Key: "dedicated", Operator: corev1.TolerationOpExists},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

func TestParseRunnerConfig(t *testing.T) {
	t.Parallel()
	const ok = `
concurrent = 30
[[runners]]
  executor = "kubernetes"
  limit = 12
  [runners.kubernetes]
    cpu_request = "1"
    memory_request = "2Gi"
    helper_cpu_request = "100m"
    [runners.kubernetes.node_selector]
      "cloud.google.com/gke-preemptible" = "true"
    [runners.kubernetes.node_tolerations]
      "cloud.google.com/gke-preemptible=true" = "NoSchedule"
`
	rs, err := sim.ParseRunnerConfig([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if rs.Concurrent != 12 || rs.PollTimeout != 180*time.Second {
		t.Errorf("concurrent %d, poll timeout %v: want the runner's limit 12 and gitlab-runner's default 180s", rs.Concurrent, rs.PollTimeout)
	}
	if sel := rs.Pod.Spec.NodeSelector["cloud.google.com/gke-preemptible"]; sel != "true" || len(rs.Pod.Spec.Tolerations) != 1 {
		t.Errorf("selector %q, tolerations %v", sel, rs.Pod.Spec.Tolerations)
	}
	if cpu := rs.Pod.Spec.Containers[0].Resources.Requests.Cpu().MilliValue() + rs.Pod.Spec.Containers[1].Resources.Requests.Cpu().MilliValue(); cpu != 1100 {
		t.Errorf("pod requests %dm CPU, want 1100m (build + helper)", cpu)
	}

	for _, tc := range []struct{ name, toml, want string }{
		{"typo", strings.Replace(ok, "node_tolerations]", "node_toleration]", 1), "did you mean"},
		{"affinity", ok + "    [runners.kubernetes.affinity]\n      x = 1\n", "not modelled"},
		{"no concurrent", strings.Replace(ok, "concurrent = 30", "", 1), "set concurrent"},
		{"docker executor", strings.Replace(ok, `"kubernetes"`, `"docker"`, 1), "executor"},
		{"bad quantity", strings.Replace(ok, `"2Gi"`, `"lots"`, 1), "memory request"},
		{"not toml", "[[runners]", "config.toml"},
	} {
		if _, err := sim.ParseRunnerConfig([]byte(tc.toml)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestParseScenarioRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, from, to, want string }{
		{"unknown key", "horizon: 240h", "horizon: 240h\nhorizn: 1h", "unknown field"},
		{"bad provisioning", "provisioning: PROVISIONING", "provisioning: cheap", "provisioning"},
		{"bad taint", "min: 2\n", "min: 2\n    nodeTaints: [\"k=v:Sometimes\"]\n", "effect"},
		{"on-demand preempted", "provisioning: PROVISIONING", "provisioning: on-demand\n    preemption: {perNodeDay: 1}", "not preempted"},
		{"misspelt section", "workloads:", "workload:", "unknown field"},
		{"file reference without resolver", "    deployment:\n", "    deploymentFile: web.yaml\n    deployment:\n", "exactly one"},
	} {
		y := strings.Replace(lifetime, tc.from, tc.to, 1)
		y = strings.Replace(y, "PROVISIONING", "preemptible", 1)
		_, err := sim.ParseScenario([]byte(y), nil)
		if !errors.Is(err, sim.ErrInvalidScenario) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want ErrInvalidScenario mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestParseTaint(t *testing.T) {
	t.Parallel()
	got, err := sim.ParseTaint("cloud.google.com/gke-preemptible=true:NoSchedule")
	want := corev1.Taint{Key: "cloud.google.com/gke-preemptible", Value: "true", Effect: corev1.TaintEffectNoSchedule}
	if err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	if got, err := sim.ParseTaint("dedicated:NoExecute"); err != nil || got.Key != "dedicated" || got.Value != "" {
		t.Errorf("KEY:EFFECT: got %+v, %v", got, err)
	}
	for _, bad := range []string{"=true:NoSchedule", "k=v", "k=v:Never"} {
		if _, err := sim.ParseTaint(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestSchedulableReasons(t *testing.T) {
	t.Parallel()
	taint := corev1.Taint{Key: "cloud.google.com/gke-preemptible", Value: "true", Effect: corev1.TaintEffectNoSchedule}
	node := &corev1.Node{}
	node.Labels = map[string]string{"cloud.google.com/gke-preemptible": "true"}
	node.Spec.Taints = []corev1.Taint{taint}
	pod := &corev1.Pod{}
	pod.Spec.NodeSelector = map[string]string{"cloud.google.com/gke-preemptible": "true"}

	if ok, reason, _ := sim.Schedulable(pod, node); ok || !strings.Contains(reason, "untolerated taint") {
		t.Errorf("no toleration: ok %v reason %q, want the taint to block", ok, reason)
	}
	pod.Spec.Tolerations = sim.NodeTolerations(map[string]string{"cloud.google.com/gke-preemptible=true": "NoSchedule"})
	if ok, reason, err := sim.Schedulable(pod, node); !ok || err != nil {
		t.Errorf("with toleration: ok %v reason %q err %v", ok, reason, err)
	}
	// PreferNoSchedule is not a filter, as in kube-scheduler.
	node.Spec.Taints[0].Effect = corev1.TaintEffectPreferNoSchedule
	if ok, _, _ := sim.Schedulable(&corev1.Pod{}, node); !ok {
		t.Errorf("PreferNoSchedule taint blocked a pod; kube-scheduler only scores it")
	}
	node.Labels = nil
	if ok, reason, _ := sim.Schedulable(pod, node); ok || !strings.Contains(reason, "affinity/selector") {
		t.Errorf("selector without label: ok %v reason %q", ok, reason)
	}
}
