package kindlab_test

import (
	"bytes"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/bloglabs/posts/ci-preemptible/kindlab"
	"github.com/bloglabs/posts/internal/golden"
)

// The summary of objects recorded from a real control plane (kube-apiserver,
// kube-scheduler v1.37.2, kwok nodes) by the kwok lab (`cisim lab --runtime
// kwok --record`), at the preemption notice: what the API server and the
// scheduler really write, where the kind fixtures are written by hand.
func TestSummarizeRecorded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dir       string
		wantState map[kindlab.State]int // state → pods
	}{
		{"kwok/post-tainted", map[kindlab.State]int{kindlab.StateRunning: 0}},
		{"kwok/post-toleration-forgotten", map[kindlab.State]int{kindlab.StatePending: 0}},
	} {
		pods := load[corev1.PodList](t, tc.dir+"/pods.yaml").Items
		nodes := load[corev1.NodeList](t, tc.dir+"/nodes.yaml").Items
		rows := kindlab.Summarize(pods, nodes)
		if !kindlab.Settled(rows) {
			t.Errorf("%s: not settled: %+v", tc.dir, rows)
		}
		if s := kindlab.Check(rows); len(s) != 0 {
			t.Errorf("%s: surprises in a run that went as planned: %v", tc.dir, s)
		}
		states := map[kindlab.State]int{}
		for _, r := range rows {
			states[r.State]++
		}
		for state := range tc.wantState {
			if states[state] == 0 {
				t.Errorf("%s: no pod %s: %v", tc.dir, state, states)
			}
		}
		var b bytes.Buffer
		if err := kindlab.WriteTable(&b, rows); err != nil {
			t.Fatal(err)
		}
		golden.Assert(t, tc.dir+"/table.golden", b.Bytes())
	}
}
