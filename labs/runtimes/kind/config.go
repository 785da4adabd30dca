package kind

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"
)

// DefaultCluster is the name of the cluster the labs create and reuse.
const DefaultCluster = "bloglabs"

// Node is a worker of a cluster, with what a lab needs of it.
type Node struct {
	// Labels are the node's labels (nodeSelector targets).
	Labels map[string]string
	// Taints are set when the node joins, as kubeadm's
	// nodeRegistration.taints (what `kubectl taint` would add later).
	Taints []corev1.Taint
}

// Cluster is the shape of a kind cluster: one control plane and Workers.
type Cluster struct {
	// Name of the cluster. Defaults to DefaultCluster.
	Name string
	// Workers. None: the control plane runs the pods itself (kind
	// removes its NoSchedule taint when it is the only node), the lightest
	// cluster for the race labs.
	Workers []Node
	// NodeImage overrides kind's default node image (kindest/node).
	NodeImage string
}

// RaceCluster is what the race labs need: one node.
func RaceCluster(name string) Cluster { return Cluster{Name: name} }

// PreemptibleCluster is what the preemptible lab needs: an ordinary worker,
// and one labelled and tainted like a GKE preemptible node — the shape of
// ci-preemptible/deploy/kind-cluster.yaml.
func PreemptibleCluster(name string) Cluster {
	return Cluster{Name: name, Workers: []Node{
		{Labels: map[string]string{"workload": "general"}},
		{
			Labels: map[string]string{"cloud.google.com/gke-preemptible": "true", "workload": "ci"},
			Taints: []corev1.Taint{{Key: "cloud.google.com/gke-preemptible", Value: "true", Effect: corev1.TaintEffectNoSchedule}},
		},
	}}
}

// Config is c as kind's v1alpha4 cluster configuration.
func (c Cluster) Config() (*v1alpha4.Cluster, error) {
	if c.Name == "" {
		c.Name = DefaultCluster
	}
	cfg := &v1alpha4.Cluster{
		TypeMeta: v1alpha4.TypeMeta{Kind: "Cluster", APIVersion: "kind.x-k8s.io/v1alpha4"},
		Name:     c.Name,
		Nodes:    []v1alpha4.Node{{Role: v1alpha4.ControlPlaneRole, Image: c.NodeImage}},
	}
	for _, w := range c.Workers {
		n := v1alpha4.Node{Role: v1alpha4.WorkerRole, Image: c.NodeImage}
		if len(w.Labels) > 0 {
			n.Labels = maps.Clone(w.Labels)
		}
		if len(w.Taints) > 0 {
			patch, err := joinTaints(w.Taints)
			if err != nil {
				return nil, err
			}
			n.KubeadmConfigPatches = []string{patch}
		}
		cfg.Nodes = append(cfg.Nodes, n)
	}
	return cfg, nil
}

// YAML is c's configuration as a file `kind create cluster --config`
// reads.
func (c Cluster) YAML() ([]byte, error) {
	cfg, err := c.Config()
	if err != nil {
		return nil, err
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("kind config: %w", err)
	}
	return b, nil
}

// joinTaints is the kubeadm JoinConfiguration patch that registers a worker
// with taints: kind's node config has labels but no taints, and a taint added
// after the join would leave a window in which pods land on the node.
func joinTaints(taints []corev1.Taint) (string, error) {
	type taint struct {
		Key    string `json:"key"`
		Value  string `json:"value,omitempty"`
		Effect string `json:"effect"`
	}
	ts := make([]taint, 0, len(taints))
	for _, t := range taints {
		ts = append(ts, taint{Key: t.Key, Value: t.Value, Effect: string(t.Effect)})
	}
	slices.SortStableFunc(ts, func(a, b taint) int { return strings.Compare(a.Key, b.Key) })
	patch := map[string]any{
		"kind":             "JoinConfiguration",
		"nodeRegistration": map[string]any{"taints": ts},
	}
	b, err := yaml.Marshal(patch)
	if err != nil {
		return "", fmt.Errorf("kind config: taints: %w", err)
	}
	return string(b), nil
}
