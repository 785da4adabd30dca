package kwoklab_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/ci-preemptible/kwoklab"
	"github.com/bloglabs/posts/ci-preemptible/scenarios"
	"github.com/bloglabs/posts/tools/controlplane"
	"github.com/bloglabs/posts/tools/controlplane/cptest"
)

func TestMain(m *testing.M) { cptest.Main(m) }

// short is a shape small enough for a test: 10 jobs of about 10 s over 15 s
// on two nodes of three job slots each, so that the preemption at 17 s
// finds jobs on its node.
var short = kwoklab.Shape{Seed: 2, Jobs: 10, Span: 15 * time.Second, MeanDuration: 10 * time.Second,
	PreemptAt: 17 * time.Second, Notice: 2 * time.Second, Grace: time.Second, Boot: 2 * time.Second, Drain: 30 * time.Second}

// Two variants on a real control plane that has nodes of its own, as
// `go tool mage cluster:local` has (kwok-general, and kwok-preemptible
// labelled and tainted like the lab's preemptible pool), and only kwok's
// default stages: jobs with selector and toleration land on the lab's
// preemptible pool only, never on the cluster's nodes, run their duration
// and succeed, and a preemption there fails and retries them; without the
// toleration no job pod ever runs, and each says why in kube-scheduler's
// words. The simulator, fed the same jobs, agrees on the pods that never
// ran. (Before the lab confined its pods and ended its jobs itself, job
// pods went to kwok-preemptible and none ever finished here.)
func TestVariantsLive(t *testing.T) {
	c := cptest.New(t, controlplane.Options{Nodes: controlplane.LabNodes()})
	cs := cptest.Client(t, c)
	foreign := map[string]bool{}
	for _, n := range controlplane.LabNodes() {
		foreign[n.Name] = true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	opts := kwoklab.Options{Progress: &progress, Timeout: 2 * time.Minute, Record: t.TempDir()}

	sc, err := scenarios.Load("post-tainted")
	if err != nil {
		t.Fatal(err)
	}
	tainted, err := kwoklab.RunVariant(ctx, cs, sc, short, opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	t.Logf("%s", tainted)
	for pool, pods := range tainted.Placed {
		if pool != "ci-preemptible" {
			t.Errorf("job pods %v on pool %q, want only ci-preemptible (\"\" is a node the lab did not create)", pods, pool)
		}
	}
	for _, p := range tainted.Pods {
		if foreign[p.Node] {
			t.Errorf("job pod %s ran on the cluster's own node %s", p.Pod, p.Node)
		}
	}
	if tainted.Unschedulable != 0 {
		t.Errorf("%d job pods never ran: %v", tainted.Unschedulable, tainted.Reasons)
	}
	if tainted.Preempted == 0 {
		t.Error("the preemption failed no job pod: the shape should put jobs on the node it preempts")
	}
	if tainted.Retries != tainted.Preempted {
		t.Errorf("%d preempted, %d retries: retry:when:runner_system_failure retries each once", tainted.Preempted, tainted.Retries)
	}
	succeeded := 0
	for _, p := range tainted.Pods {
		if p.State == kwoklab.PodSucceeded {
			succeeded++
		}
	}
	if succeeded != short.Jobs {
		t.Errorf("%d job pods succeeded, want every one of the %d jobs (retries included)", succeeded, short.Jobs)
	}

	sc, err = scenarios.Load("post-toleration-forgotten")
	if err != nil {
		t.Fatal(err)
	}
	forgotten, err := kwoklab.RunVariant(ctx, cs, sc, short, opts)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	t.Logf("%s", forgotten)
	if forgotten.Unschedulable != short.Jobs || len(forgotten.Placed) != 0 {
		t.Errorf("%d job pods never ran, placed %v; want all %d pending", forgotten.Unschedulable, forgotten.Placed, short.Jobs)
	}
	for reason := range forgotten.Reasons {
		// kube-scheduler v1.37 no longer names the taint in this summary
		// (older ones did: "untolerated taint {KEY: VALUE}").
		if !strings.Contains(reason, "untolerated taint") || !strings.Contains(reason, "didn't match Pod's node affinity/selector") {
			t.Errorf("reason %q does not name the taint", reason)
		}
	}
	if forgotten.Agreement != 1 {
		t.Errorf("agreement %v on jobs that never run: %+v", forgotten.Agreement, forgotten.Disagreements)
	}

	var out bytes.Buffer
	if err := kwoklab.Write(&out, []*kwoklab.VariantResult{tainted, forgotten}); err != nil {
		t.Fatal(err)
	}
	t.Logf("progress:\n%s\noutput:\n%s", progress.String(), out.String())
	for _, want := range []string{"post-tainted (live)", "post-tainted (sim)", "agreement", "ci-job-1-1", "untolerated taint"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	data, err := json.Marshal(tainted)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"scenario"`, `"placed"`, `"unschedulable"`, `"reasons"`, `"preempted"`, `"retries"`, `"agreement"`} {
		if !bytes.Contains(data, []byte(key)) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}
