package sim

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RunnerSettings is what the simulator takes from a gitlab-runner config.toml.
type RunnerSettings struct {
	// Concurrent is the runner's global limit on jobs running at once
	// (min of `concurrent` and the [[runners]] entry's `limit`, if set).
	Concurrent int
	// PollTimeout is [runners.kubernetes] poll_timeout: how long the runner
	// waits for a job pod to start before failing the job.
	PollTimeout time.Duration
	// Pod is the job pod as the Kubernetes executor builds it: containers
	// build and helper with their requests, node_selector as
	// spec.nodeSelector and node_tolerations as spec.tolerations.
	Pod *corev1.Pod
}

// runnerConfig is the part of gitlab-runner's config.toml that places and
// sizes job pods. gitlab-runner decodes the file with the same TOML library.
type runnerConfig struct {
	Concurrent int `toml:"concurrent"`
	Runners    []struct {
		Name       string `toml:"name"`
		Executor   string `toml:"executor"`
		Limit      int    `toml:"limit"`
		Kubernetes *struct {
			PollTimeout         *int              `toml:"poll_timeout"`
			Image               string            `toml:"image"`
			HelperImage         string            `toml:"helper_image"`
			CPURequest          string            `toml:"cpu_request"`
			MemoryRequest       string            `toml:"memory_request"`
			HelperCPURequest    string            `toml:"helper_cpu_request"`
			HelperMemoryRequest string            `toml:"helper_memory_request"`
			NodeSelector        map[string]string `toml:"node_selector"`
			NodeTolerations     map[string]string `toml:"node_tolerations"`
		} `toml:"kubernetes"`
	} `toml:"runners"`
}

// The images of a job pod when config.toml names none: the job's own image
// comes from .gitlab-ci.yml then, and the helper is gitlab-runner's. An API
// server refuses a container without one, so the pod carries them.
const (
	defaultImage       = "alpine:3.22"
	defaultHelperImage = "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper:x86_64-latest"
)

// defaultPollTimeout is gitlab-runner's poll_timeout default (seconds).
const defaultPollTimeout = 180

// ParseRunnerConfig reads a gitlab-runner config.toml and builds the job pod
// its first [[runners]] entry (executor "kubernetes") would create. Keys
// that change placement but are not modelled (affinity, pod_spec patches)
// are errors, and so are misspelt selector or toleration tables — a typo
// there is exactly the "toleration forgotten" failure this tool is for.
func ParseRunnerConfig(data []byte) (*RunnerSettings, error) {
	var c runnerConfig
	md, err := toml.Decode(string(data), &c)
	if err != nil {
		return nil, fmt.Errorf("runner config.toml: %w", err)
	}
	for _, k := range md.Undecoded() {
		if len(k) < 3 || k[0] != "runners" || k[1] != "kubernetes" {
			continue
		}
		switch name := k[2]; {
		case name == "affinity" || name == "pod_spec":
			return nil, fmt.Errorf("runner config.toml: [runners.kubernetes.%s] changes placement but is not modelled; give the workload a pod template instead", name)
		case strings.HasSuffix(name, "_overwrite_allowed"):
		case strings.Contains(name, "toleration") || strings.Contains(name, "selector"):
			return nil, fmt.Errorf("runner config.toml: unknown key runners.kubernetes.%s (did you mean node_selector or node_tolerations?)", name)
		}
	}
	if len(c.Runners) == 0 {
		return nil, errors.New("runner config.toml: no [[runners]] entry")
	}
	r := c.Runners[0]
	if r.Executor != "kubernetes" || r.Kubernetes == nil {
		return nil, fmt.Errorf("runner config.toml: runner %q: want executor = \"kubernetes\" with a [runners.kubernetes] table", r.Name)
	}
	if c.Concurrent <= 0 {
		return nil, errors.New("runner config.toml: set concurrent (> 0): it caps how many job pods run at once")
	}
	k := r.Kubernetes
	rs := &RunnerSettings{Concurrent: c.Concurrent, PollTimeout: defaultPollTimeout * time.Second}
	if r.Limit > 0 && r.Limit < rs.Concurrent {
		rs.Concurrent = r.Limit
	}
	if k.PollTimeout != nil {
		if *k.PollTimeout < 0 {
			return nil, errors.New("runner config.toml: poll_timeout must be >= 0")
		}
		rs.PollTimeout = time.Duration(*k.PollTimeout) * time.Second
	}
	build, err := requests(k.CPURequest, k.MemoryRequest)
	if err != nil {
		return nil, fmt.Errorf("runner config.toml: build container: %w", err)
	}
	helper, err := requests(k.HelperCPURequest, k.HelperMemoryRequest)
	if err != nil {
		return nil, fmt.Errorf("runner config.toml: helper container: %w", err)
	}
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "runner-job", Labels: map[string]string{"pod": "runner-job"}},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			NodeSelector:  k.NodeSelector,
			Tolerations:   NodeTolerations(k.NodeTolerations),
			Containers: []corev1.Container{
				{Name: "build", Image: cmp.Or(k.Image, defaultImage), Resources: corev1.ResourceRequirements{Requests: build}},
				{Name: "helper", Image: cmp.Or(k.HelperImage, defaultHelperImage), Resources: corev1.ResourceRequirements{Requests: helper}},
			},
		},
	}
	rs.Pod = pod
	return rs, nil
}

func requests(cpu, mem string) (corev1.ResourceList, error) {
	rl := corev1.ResourceList{}
	for name, v := range map[corev1.ResourceName]string{corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem} {
		if v == "" {
			continue
		}
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return nil, fmt.Errorf("%s request %q: %w", name, v, err)
		}
		rl[name] = q
	}
	return rl, nil
}

// NodeTolerations converts config.toml's [runners.kubernetes.node_tolerations]
// the way gitlab-runner's Kubernetes executor does: "key=value" = "Effect"
// becomes operator Equal, a bare "key" becomes operator Exists, and an empty
// effect matches every effect. Keys are sorted (gitlab-runner ranges over a
// Go map, so its order varies; the scheduler does not care).
func NodeTolerations(m map[string]string) []corev1.Toleration {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []corev1.Toleration
	for _, kv := range keys {
		t := corev1.Toleration{Key: kv, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffect(m[kv])}
		if key, value, ok := strings.Cut(kv, "="); ok {
			t.Key, t.Value, t.Operator = key, value, corev1.TolerationOpEqual
		}
		out = append(out, t)
	}
	return out
}

func jsonUnmarshalStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(v)
}
