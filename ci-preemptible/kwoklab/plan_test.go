package kwoklab_test

import (
	"context"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/bloglabs/posts/ci-preemptible/kwoklab"
	"github.com/bloglabs/posts/ci-preemptible/scenarios"
	"github.com/bloglabs/posts/ci-preemptible/sim"
)

func TestAgreement(t *testing.T) {
	t.Parallel()
	p := func(job, attempt int, pool string) sim.Placement {
		return sim.Placement{Job: job, Attempt: attempt, Pool: pool}
	}
	for _, tc := range []struct {
		name      string
		live, sim []sim.Placement
		want      float64
		diffs     int
	}{
		{"both empty", nil, nil, 1, 0},
		{"same pools", []sim.Placement{p(1, 1, "ci"), p(2, 1, "ci")}, []sim.Placement{p(2, 1, "ci"), p(1, 1, "ci")}, 1, 0},
		{"never ran in both", []sim.Placement{p(1, 1, "")}, []sim.Placement{p(1, 1, "")}, 1, 0},
		{"other pool", []sim.Placement{p(1, 1, "ci"), p(2, 1, "default")}, []sim.Placement{p(1, 1, "ci"), p(2, 1, "ci")}, 0.5, 1},
		{"a retry only live", []sim.Placement{p(1, 1, "ci"), p(1, 2, "ci")}, []sim.Placement{p(1, 1, "ci")}, 0.5, 1},
		{"a retry only simulated", []sim.Placement{p(1, 1, "ci")}, []sim.Placement{p(1, 1, "ci"), p(1, 2, "ci"), p(2, 1, "")}, 1.0 / 3, 2},
	} {
		got, diffs := kwoklab.Agreement(tc.live, tc.sim)
		if got != tc.want || len(diffs) != tc.diffs {
			t.Errorf("%s: agreement %v with %d disagreements %+v, want %v with %d", tc.name, got, len(diffs), diffs, tc.want, tc.diffs)
		}
	}
}

// The trace is drawn from the seed alone, in order, and the simulator fed
// the scaled scenario runs exactly those jobs with the one preemption, on
// pools that never grow.
func TestShapeScale(t *testing.T) {
	t.Parallel()
	shape := kwoklab.Shape{Seed: 3, Jobs: 12}
	tr := shape.Trace()
	if len(tr) != 12 || !reflect.DeepEqual(tr, shape.Trace()) {
		t.Fatalf("trace of %d jobs, or not reproducible", len(tr))
	}
	for i := 1; i < len(tr); i++ {
		if tr[i].At.Duration < tr[i-1].At.Duration || tr[i].Duration.Duration <= 0 {
			t.Fatalf("trace[%d] = %+v out of order or empty", i, tr[i])
		}
	}
	sc, err := scenarios.Load("post-tainted")
	if err != nil {
		t.Fatal(err)
	}
	sc = shape.Scale(sc, tr)
	r, err := sim.Run(context.Background(), sc, sim.Options{Placements: true})
	if err != nil {
		t.Fatal(err)
	}
	if r.Jobs != 12 {
		t.Errorf("simulated %d jobs, want the trace's 12", r.Jobs)
	}
	var created, preempted int
	for _, p := range r.Pools {
		if p.MaxNodes != 2 {
			t.Errorf("pool %s reached %d nodes, want the fixed 2", p.Name, p.MaxNodes)
		}
		created += p.NodesCreated
		preempted += p.Preemptions
	}
	if preempted != 1 || created != 5 {
		t.Errorf("%d preemptions and %d nodes created, want 1 and 2+2+1 (the replacement)", preempted, created)
	}
	if len(r.Placements) < r.Jobs {
		t.Errorf("%d placements for %d jobs", len(r.Placements), r.Jobs)
	}
	for _, p := range r.Placements {
		if p.Pool != "" && p.Pool != "ci-preemptible" {
			t.Errorf("job %d attempt %d on %s", p.Job, p.Attempt, p.Pool)
		}
	}
}

func TestKwokNodeAndJobPod(t *testing.T) {
	t.Parallel()
	sc, err := scenarios.Load("post-tainted")
	if err != nil {
		t.Fatal(err)
	}
	n := kwoklab.KwokNode(&sc.Pools[1], 3, "run1")
	if n.Name != "ci-preemptible-3-run1" || n.Labels[kwoklab.LabelRun] != "run1" || n.Annotations["kwok.x-k8s.io/node"] != "fake" ||
		n.Labels["cloud.google.com/gke-preemptible"] != "true" || n.Labels[corev1.LabelHostname] != n.Name ||
		len(n.Spec.Taints) != 1 || n.Status.Allocatable.Cpu().String() != "3920m" {
		t.Errorf("node %+v", n)
	}
	pod := kwoklab.JobPod(&sc.Workloads[0], 4, 2, "run1")
	if pod.Name != "ci-job-4-2" || pod.Spec.NodeSelector[kwoklab.LabelRun] != "run1" ||
		pod.Spec.NodeSelector["cloud.google.com/gke-preemptible"] != "true" || len(pod.Spec.Tolerations) != 1 {
		t.Errorf("pod %+v", pod)
	}
	for _, c := range pod.Spec.Containers {
		if c.Image == "" {
			t.Errorf("container %s has no image: the API server refuses it", c.Name)
		}
	}
}
