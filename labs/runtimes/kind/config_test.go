package kind_test

import (
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/golden"

	"sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"

	"github.com/bloglabs/posts/labs/runtimes/kind"
)

// The cluster configs decode strictly as kind's v1alpha4 types, and the
// tainted worker carries its taint from the moment it joins.
func TestClusterConfigs(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]kind.Cluster{
		"race":        kind.RaceCluster(""),
		"preemptible": kind.PreemptibleCluster("preemptible-lab"),
	} {
		y, err := c.YAML()
		if err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, "cluster-"+name+".yaml", y)
		var back v1alpha4.Cluster
		if err := yaml.UnmarshalStrict(y, &back); err != nil {
			t.Errorf("%s: strict decode as kind's v1alpha4.Cluster: %v", name, err)
		}
		if back.Kind != "Cluster" || back.APIVersion != "kind.x-k8s.io/v1alpha4" || back.Nodes[0].Role != v1alpha4.ControlPlaneRole {
			t.Errorf("%s: %+v", name, back)
		}
	}
	cfg, _ := kind.PreemptibleCluster("p").Config()
	w := cfg.Nodes[2]
	if w.Labels["cloud.google.com/gke-preemptible"] != "true" || len(w.KubeadmConfigPatches) != 1 ||
		!strings.Contains(w.KubeadmConfigPatches[0], "kind: JoinConfiguration") ||
		!strings.Contains(w.KubeadmConfigPatches[0], "effect: NoSchedule") {
		t.Errorf("preemptible worker %+v: want the label and a JoinConfiguration taint", w)
	}
}
