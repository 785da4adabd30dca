package deploy_test

import (
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/bloglabs/posts/ci-preemptible/deploy"
	"github.com/bloglabs/posts/ci-preemptible/sim"
)

func read(t *testing.T, name string) []byte {
	t.Helper()
	b, err := deploy.FS.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decodeStrict decodes a manifest with client-go's scheme in strict mode:
// unknown or duplicate fields are errors, as with kubectl --validate=strict.
func decodeStrict(t *testing.T, data []byte) runtime.Object {
	t.Helper()
	codecs := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict)
	obj, _, err := codecs.UniversalDeserializer().Decode(data, nil, nil)
	if err != nil {
		t.Fatalf("strict decode: %v", err)
	}
	return obj
}

func jobPodFromConfig(t *testing.T) *sim.RunnerSettings {
	t.Helper()
	rs, err := sim.ParseRunnerConfig(read(t, "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

var flagRE = regexp.MustCompile(`--(node-taints|node-labels)=(\S+)`)

// gkeNode is a node as GKE creates it for a pool made by script: GKE's own
// label for the provisioning model plus the script's --node-labels and
// --node-taints.
func gkeNode(t *testing.T, script, gkeLabel string) *corev1.Node {
	t.Helper()
	n := &corev1.Node{}
	n.Labels = map[string]string{}
	if gkeLabel != "" {
		n.Labels[gkeLabel] = "true"
	}
	for _, m := range flagRE.FindAllStringSubmatch(string(read(t, script)), -1) {
		for _, item := range strings.Split(m[2], ",") {
			switch m[1] {
			case "node-labels":
				k, v, _ := strings.Cut(item, "=")
				n.Labels[k] = v
			case "node-taints":
				taint, err := sim.ParseTaint(item)
				if err != nil {
					t.Fatalf("%s: %v", script, err)
				}
				n.Spec.Taints = append(n.Spec.Taints, taint)
			}
		}
	}
	return n
}

func onDemandNode() *corev1.Node {
	n := &corev1.Node{}
	n.Labels = map[string]string{"cloud.google.com/gke-nodepool": "default"}
	return n
}

func mustSchedule(t *testing.T, what string, pod *corev1.Pod, node *corev1.Node, want bool) {
	t.Helper()
	ok, reason, err := sim.Schedulable(pod, node)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if ok != want {
		t.Errorf("%s: schedulable %v (%s), want %v", what, ok, reason, want)
	}
}

func TestManifestsDecodeStrictly(t *testing.T) {
	t.Parallel()
	if _, ok := decodeStrict(t, read(t, "job-pod.yaml")).(*corev1.Pod); !ok {
		t.Error("job-pod.yaml: not a Pod")
	}
	if _, ok := decodeStrict(t, read(t, "web-deployment.yaml")).(*appsv1.Deployment); !ok {
		t.Error("web-deployment.yaml: not a Deployment")
	}
	// The decoder really is strict: the post's kind of slip fails loudly.
	codecs := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict)
	bad := strings.Replace(string(read(t, "job-pod.yaml")), "tolerations:", "toleration:", 1)
	if _, _, err := codecs.UniversalDeserializer().Decode([]byte(bad), nil, nil); err == nil || !strings.Contains(err.Error(), "toleration") {
		t.Errorf("misspelt field decoded without error (%v)", err)
	}
}

func TestConfigTomlSendsJobPodsToThePoolOnly(t *testing.T) {
	t.Parallel()
	rs := jobPodFromConfig(t)
	if rs.PollTimeout != 600*time.Second || rs.Concurrent != 30 {
		t.Errorf("poll timeout %v, concurrent %d: want 600s (scale-up from zero takes minutes) and 30", rs.PollTimeout, rs.Concurrent)
	}
	preemptible := gkeNode(t, "node-pool-preemptible.sh", "cloud.google.com/gke-preemptible")
	mustSchedule(t, "job pod on preemptible node", rs.Pod, preemptible, true)
	mustSchedule(t, "job pod on on-demand node", rs.Pod, onDemandNode(), false)

	web := decodeStrict(t, read(t, "web-deployment.yaml")).(*appsv1.Deployment)
	webPod := &corev1.Pod{Spec: web.Spec.Template.Spec}
	mustSchedule(t, "web pod on preemptible node", webPod, preemptible, false)
	mustSchedule(t, "web pod on on-demand node", webPod, onDemandNode(), true)

	// Without the taint (the post's lost key), the web pod lands there too.
	untainted := preemptible.DeepCopy()
	untainted.Spec.Taints = nil
	mustSchedule(t, "web pod on untainted preemptible node", webPod, untainted, true)
}

func TestSpotVariant(t *testing.T) {
	t.Parallel()
	// config.toml says: for Spot, replace gke-preemptible with gke-spot.
	spotConfig := strings.ReplaceAll(string(read(t, "config.toml")), "gke-preemptible", "gke-spot")
	rs, err := sim.ParseRunnerConfig([]byte(spotConfig))
	if err != nil {
		t.Fatal(err)
	}
	spot := gkeNode(t, "node-pool-spot.sh", "cloud.google.com/gke-spot")
	mustSchedule(t, "spot job pod on spot node", rs.Pod, spot, true)
	mustSchedule(t, "preemptible job pod on spot node", jobPodFromConfig(t).Pod, spot, false)
}

func TestScripts(t *testing.T) {
	t.Parallel()
	for script, want := range map[string][]string{
		"node-pool-preemptible.sh": {"--preemptible", "--node-labels=", "--node-taints=cloud.google.com/gke-preemptible=true:NoSchedule", "--enable-autoscaling"},
		"node-pool-spot.sh":        {"--spot", "--node-labels=", "--node-taints=cloud.google.com/gke-spot=true:NoSchedule"},
		"post-commands.sh":         {"kubectl taint nodes", "cloud.google.com/gke-preemptible=true:NoSchedule", "--values gitlab-runner-values.yaml"},
	} {
		text := string(read(t, script))
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: missing %q", script, w)
			}
		}
		if sh, err := exec.LookPath("sh"); err == nil {
			cmd := exec.Command(sh, "-n")
			cmd.Stdin = strings.NewReader(text)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: sh -n: %v: %s", script, err, out)
			}
		}
	}
	// The taint kubectl sets by hand is the one the pool sets for good.
	m := regexp.MustCompile(`(?m)^\s+(cloud\.google\.com/\S+:NoSchedule)`).FindStringSubmatch(string(read(t, "post-commands.sh")))
	if m == nil {
		t.Fatal("post-commands.sh: no taint found")
	}
	byHand, err := sim.ParseTaint(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if pool := gkeNode(t, "node-pool-preemptible.sh", "").Spec.Taints; len(pool) != 1 || pool[0] != byHand {
		t.Errorf("kubectl taint %+v, node pool taints %+v: want the same", byHand, pool)
	}
}

// helmValues is every key gitlab-runner-values.yaml sets; decoding it
// strictly catches a misspelt key that Helm would silently ignore.
type helmValues struct {
	GitlabURL     string `json:"gitlabUrl"`
	Concurrent    int    `json:"concurrent"`
	CheckInterval int    `json:"checkInterval"`
	RBAC          struct {
		Create bool `json:"create"`
	} `json:"rbac"`
	NodeSelector map[string]string   `json:"nodeSelector"`
	Tolerations  []corev1.Toleration `json:"tolerations"`
	Affinity     *corev1.Affinity    `json:"affinity"`
	Runners      struct {
		Config string `json:"config"`
	} `json:"runners"`
}

func TestHelmValues(t *testing.T) {
	t.Parallel()
	var v helmValues
	if err := yaml.UnmarshalStrict(read(t, "gitlab-runner-values.yaml"), &v); err != nil {
		t.Fatal(err)
	}
	// The chart renders `concurrent` above runners.config, and registers the
	// runner with the kubernetes executor (its runners.executor default).
	rendered := "concurrent = " + itoa(v.Concurrent) + "\n" +
		strings.Replace(v.Runners.Config, "[[runners]]", "[[runners]]\n  executor = \"kubernetes\"", 1)
	chart, err := sim.ParseRunnerConfig([]byte(rendered))
	if err != nil {
		t.Fatal(err)
	}
	file := jobPodFromConfig(t)
	if !reflect.DeepEqual(chart, file) {
		t.Errorf("runners.config and config.toml build different job pods:\nvalues %+v\nconfig %+v", chart, file)
	}

	manager := &corev1.Pod{Spec: corev1.PodSpec{NodeSelector: v.NodeSelector, Tolerations: v.Tolerations, Affinity: v.Affinity}}
	mustSchedule(t, "manager on preemptible node", manager, gkeNode(t, "node-pool-preemptible.sh", "cloud.google.com/gke-preemptible"), false)
	mustSchedule(t, "manager on spot node", manager, gkeNode(t, "node-pool-spot.sh", "cloud.google.com/gke-spot"), false)
	untainted := gkeNode(t, "node-pool-preemptible.sh", "cloud.google.com/gke-preemptible")
	untainted.Spec.Taints = nil
	mustSchedule(t, "manager on untainted preemptible node (affinity, not the taint, keeps it off)", manager, untainted, false)
	mustSchedule(t, "manager on on-demand node", manager, onDemandNode(), true)
}

func itoa(n int) string {
	b, _ := yaml.Marshal(n)
	return strings.TrimSpace(string(b))
}

func TestJobPodManifestMatchesConfig(t *testing.T) {
	t.Parallel()
	pod := decodeStrict(t, read(t, "job-pod.yaml")).(*corev1.Pod)
	want := jobPodFromConfig(t).Pod
	if !reflect.DeepEqual(pod.Spec.NodeSelector, want.Spec.NodeSelector) || !reflect.DeepEqual(pod.Spec.Tolerations, want.Spec.Tolerations) {
		t.Errorf("job-pod.yaml places the pod differently from config.toml:\nselector %v vs %v\ntolerations %v vs %v",
			pod.Spec.NodeSelector, want.Spec.NodeSelector, pod.Spec.Tolerations, want.Spec.Tolerations)
	}
	for i, c := range pod.Spec.Containers {
		if !reflect.DeepEqual(c.Resources.Requests, want.Spec.Containers[i].Resources.Requests) {
			t.Errorf("container %s requests %v, config.toml says %v", c.Name, c.Resources.Requests, want.Spec.Containers[i].Resources.Requests)
		}
	}
}

func TestGitlabCIRetry(t *testing.T) {
	t.Parallel()
	var ci struct {
		Default struct {
			Retry sim.Retry `json:"retry"`
		} `json:"default"`
		Test struct {
			Script []string `json:"script"`
		} `json:"test"`
	}
	if err := yaml.UnmarshalStrict(read(t, "gitlab-ci-retry.yml"), &ci); err != nil {
		t.Fatal(err)
	}
	want := sim.Retry{Max: 2, When: []string{sim.ReasonRunnerSystemFailure}}
	if !reflect.DeepEqual(ci.Default.Retry, want) {
		t.Errorf("retry %+v, want %+v", ci.Default.Retry, want)
	}
}

// kindCluster is the part of kind's v1alpha4 Cluster the lab uses, decoded
// strictly so that a misspelt key fails here rather than being ignored.
type kindCluster struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion"`
	Name       string `json:"name"`
	Nodes      []struct {
		Role                 string            `json:"role"`
		Labels               map[string]string `json:"labels"`
		KubeadmConfigPatches []string          `json:"kubeadmConfigPatches"`
	} `json:"nodes"`
}

type joinConfiguration struct {
	Kind             string `json:"kind"`
	NodeRegistration struct {
		Taints []corev1.Taint `json:"taints"`
	} `json:"nodeRegistration"`
}

func TestKindCluster(t *testing.T) {
	t.Parallel()
	var c kindCluster
	if err := yaml.UnmarshalStrict(read(t, "kind-cluster.yaml"), &c); err != nil {
		t.Fatal(err)
	}
	if c.Kind != "Cluster" || c.APIVersion != "kind.x-k8s.io/v1alpha4" {
		t.Fatalf("kind %q apiVersion %q", c.Kind, c.APIVersion)
	}
	var preemptible, ordinary *corev1.Node
	for _, n := range c.Nodes {
		if n.Role != "worker" {
			continue
		}
		node := &corev1.Node{}
		node.Labels = n.Labels
		for _, p := range n.KubeadmConfigPatches {
			var jc joinConfiguration
			if err := yaml.UnmarshalStrict([]byte(p), &jc); err != nil {
				t.Fatalf("kubeadm patch: %v", err)
			}
			if jc.Kind != "JoinConfiguration" {
				t.Errorf("patch kind %q, want JoinConfiguration (workers join)", jc.Kind)
			}
			node.Spec.Taints = append(node.Spec.Taints, jc.NodeRegistration.Taints...)
		}
		if n.Labels["cloud.google.com/gke-preemptible"] == "true" {
			preemptible = node
		} else {
			ordinary = node
		}
	}
	if preemptible == nil || ordinary == nil {
		t.Fatal("want one worker labelled like a GKE preemptible node and one ordinary worker")
	}
	pool := gkeNode(t, "node-pool-preemptible.sh", "cloud.google.com/gke-preemptible")
	if !reflect.DeepEqual(preemptible.Spec.Taints, pool.Spec.Taints) {
		t.Errorf("kind worker taints %+v, GKE pool taints %+v: want the same", preemptible.Spec.Taints, pool.Spec.Taints)
	}
	job := decodeStrict(t, read(t, "job-pod.yaml")).(*corev1.Pod)
	web := decodeStrict(t, read(t, "web-deployment.yaml")).(*appsv1.Deployment)
	mustSchedule(t, "kind: job pod on preemptible worker", job, preemptible, true)
	mustSchedule(t, "kind: job pod on ordinary worker", job, ordinary, false)
	mustSchedule(t, "kind: web pod on preemptible worker", &corev1.Pod{Spec: web.Spec.Template.Spec}, preemptible, false)
}
