package deploy_test

import (
	"path"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/bloglabs/posts/ci-preemptible/deploy"
	"github.com/bloglabs/posts/tools/controlplane"
	"github.com/bloglabs/posts/tools/controlplane/cptest"
)

func TestMain(m *testing.M) { cptest.Main(m) }

// notObjects are the YAML files here that hold no Kubernetes object, and why.
var notObjects = map[string]string{
	"gitlab-runner-values.yaml": "Helm values (the manager's placement is checked as a pod below)",
	"gitlab-ci-retry.yml":       "GitLab CI configuration",
	"kind-cluster.yaml":         "kind's own configuration (kind.x-k8s.io), read by kind, not served by an API server",
}

// Every Kubernetes object in this folder, and the pods that config.toml and
// the Helm values make, as a real API server sees them: created with
// server-side dry run and strict field validation (defaulting, validation
// and admission run; unknown fields are errors; nothing is stored).
func TestManifestsPassServerDryRun(t *testing.T) {
	t.Parallel()
	c := cptest.Shared(t)
	ns := cptest.Namespace(t)
	entries, err := deploy.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	manifests := map[string][]byte{}
	for _, e := range entries {
		if ext := path.Ext(e.Name()); (ext == ".yaml" || ext == ".yml") && notObjects[e.Name()] == "" {
			manifests[e.Name()] = read(t, e.Name())
		}
	}
	if len(manifests) != 2 {
		t.Errorf("%d manifests (%v), want job-pod.yaml and web-deployment.yaml: list a new non-object file in notObjects", len(manifests), keys(manifests))
	}

	// The job pod exactly as gitlab-runner's Kubernetes executor builds it
	// from config.toml (the simulator's model of it).
	// The simulator's pod carries only what decides placement; the API
	// server wants images too (it said "spec.containers[0].image: Required
	// value"), so they come from job-pod.yaml, the same job by hand.
	job := jobPodFromConfig(t).Pod.DeepCopy()
	job.Name = "runner-job-from-config-toml"
	byHand := decodeStrict(t, read(t, "job-pod.yaml")).(*corev1.Pod)
	for i := range job.Spec.Containers {
		job.Spec.Containers[i].Image = byHand.Spec.Containers[i].Image
	}
	manifests["config.toml (job pod)"] = podYAML(t, job)

	// The runner manager as the chart places it from the values.
	var v helmValues
	if err := yaml.UnmarshalStrict(read(t, "gitlab-runner-values.yaml"), &v); err != nil {
		t.Fatal(err)
	}
	manager := &corev1.Pod{Spec: corev1.PodSpec{
		NodeSelector: v.NodeSelector, Tolerations: v.Tolerations, Affinity: v.Affinity,
		Containers: []corev1.Container{{Name: "gitlab-runner", Image: "gitlab/gitlab-runner:alpine"}},
	}}
	manager.Name = "gitlab-runner-manager-from-values"
	manifests["gitlab-runner-values.yaml (manager pod)"] = podYAML(t, manager)

	for name, m := range manifests {
		if err := controlplane.DryRun(t.Context(), c.RESTConfig(), ns, m); err != nil {
			t.Errorf("%s: the API server rejects it:\n%v", name, err)
		}
	}
}

func podYAML(t *testing.T, p *corev1.Pod) []byte {
	t.Helper()
	p.APIVersion, p.Kind = "v1", "Pod"
	b, err := yaml.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
