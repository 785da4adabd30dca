package kwoklab_test

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/bloglabs/posts/ci-preemptible/kwoklab"
	"github.com/bloglabs/posts/ci-preemptible/scenarios"
	"github.com/bloglabs/posts/labs/live"
	"github.com/bloglabs/posts/labs/live/livetest"
	"github.com/bloglabs/posts/tools/controlplane"
	"github.com/bloglabs/posts/tools/controlplane/cptest"
)

var update = flag.Bool("update", false, "write the browser test's screenshot into docs/img")

// shownNode and shownPod are a node and a job pod's chip as a variant's
// panel shows them.
type (
	shownNode struct{ Pool, Class string }
	shownPod  struct {
		Pod, State, Node, Title string
		Attempt                 int
	}
	shownVariant struct {
		Nodes map[string]shownNode
		Pods  []shownPod
		// Services are the Deployments' pods: node → how many.
		Services map[string]int
	}
)

// The preemptible lab on the real scheduler, watched in a real browser
// while it runs, on a cluster with nodes of its own (cluster:local's):
// for the post's setup and for the variant that forgot its toleration,
// the page shows every node the lab created and no other, the preempted
// one cordoned and then gone, and every job pod of the result on the node
// the result names (or waiting, with kube-scheduler's reason), in the
// state the result says, retries marked; at the end, the text report's
// table.
func TestBrowserLiveView(t *testing.T) {
	ctx := livetest.Browser(t, 1280, 720)
	c := cptest.New(t, controlplane.Options{Nodes: controlplane.LabNodes()})
	cs := cptest.Client(t, c)
	lv, err := live.Live("127.0.0.1:0", "preemptible")
	if err != nil {
		t.Fatal(err)
	}
	defer lv.Close(context.Background())
	if err := chromedp.Do(ctx, chromedp.Navigate(lv.URL())); err != nil {
		t.Fatal(err)
	}
	variants := []string{"post-tainted", "post-toleration-forgotten"}
	type outcome struct {
		results []*kwoklab.VariantResult
		err     error
	}
	done := make(chan outcome, 1)
	go func() {
		runCtx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
		defer cancel()
		var out outcome
		for _, name := range variants {
			sc, err := scenarios.Load(name)
			if err != nil {
				out.err = err
				break
			}
			vr, err := kwoklab.RunVariant(runCtx, cs, sc, short, kwoklab.Options{Observe: lv.Cluster, Timeout: 2 * time.Minute})
			if err != nil {
				out.err = err
				break
			}
			out.results = append(out.results, vr)
		}
		done <- out
	}()
	// The picture for the guide: mid-run, when the preempted node's pods
	// have failed with it and the first retry is there.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!!document.querySelector('.panel .pod.retry')`, chromedp.WithPollingTimeout(3*time.Minute))); err != nil {
		t.Errorf("the page never showed a retry: %v", err)
	} else {
		livetest.Screenshot(t, ctx, "live-kwok.png", *update)
	}
	out := <-done
	if out.err != nil {
		lv.EndTable(nil, out.err)
		t.Fatal(out.err)
	}
	want := kwoklab.Table(out.results)
	lv.EndTable(want, nil)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`window.liveStats && window.liveStats.ended`, chromedp.WithPollingTimeout(time.Minute))); err != nil {
		t.Fatalf("the page never showed the end: %v", err)
	}

	seen, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.liveStats.messages`))
	if err != nil {
		t.Fatal(err)
	}
	if seen != lv.Hub().Len() {
		t.Errorf("the page handled %d messages; the lab sent %d", seen, lv.Hub().Len())
	}
	for _, vr := range out.results {
		checkVariant(t, ctx, vr)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](
		`[...document.querySelectorAll('table.results tr')].map((tr) => [...tr.children].map((c) => c.textContent))`))
	if err != nil {
		t.Fatal(err)
	}
	if wantCells := append([][]string{want.Header}, want.Rows...); !slices.EqualFunc(cells, wantCells, slices.Equal) {
		t.Errorf("the page's table:\n%q\nwant the text report's:\n%q", cells, wantCells)
	}
	scroll, err := chromedp.Run(ctx, chromedp.Evaluate[[2]int](`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`))
	if err != nil {
		t.Fatal(err)
	}
	if scroll[0] > scroll[1] {
		t.Errorf("the page scrolls sideways at 1280×720: %d px wide in a %d px window", scroll[0], scroll[1])
	}
}

// checkVariant compares vr with its panel on the page.
func checkVariant(t *testing.T, ctx context.Context, vr *kwoklab.VariantResult) {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[shownVariant](fmt.Sprintf(`(() => {
		const panel = document.querySelector('.panel.cluster[data-variant=%q]');
		if (!panel) return {Nodes: {}, Pods: [], Services: {}};
		const services = {};
		for (const s of panel.querySelectorAll('.svc[data-service]')) {
			const node = s.closest('.node').dataset.node;
			services[node] = (services[node] || 0) + 1;
		}
		return {
			Nodes: Object.fromEntries([...panel.querySelectorAll('.node')].map((n) => [n.dataset.node, {Pool: n.closest('.pool').dataset.pool, Class: n.className}])),
			Pods: [...panel.querySelectorAll('.pod[data-pod]')].map((p) => ({Pod: p.dataset.pod, State: p.dataset.state, Attempt: +p.dataset.attempt,
				Node: (p.closest('.node') || {dataset: {}}).dataset.node || '', Title: p.title})),
			Services: services,
		};
	})()`, vr.Scenario)))
	if err != nil {
		t.Fatal(err)
	}
	for _, foreign := range controlplane.LabNodes() {
		if _, ok := v.Nodes[foreign.Name]; ok {
			t.Errorf("%s: the page shows the cluster's own node %s", vr.Scenario, foreign.Name)
		}
	}
	var cordoned, gone int
	for name, n := range v.Nodes {
		cls := strings.Fields(n.Class)
		if slices.Contains(cls, "cordoned") {
			cordoned++
		}
		if slices.Contains(cls, "gone") {
			gone++
		}
		if !strings.HasPrefix(name, n.Pool+"-") {
			t.Errorf("%s: node %s shown in pool %s", vr.Scenario, name, n.Pool)
		}
	}
	// The web Deployment's pods are shown where they run: with the
	// taint, never on the tainted pool.
	services := 0
	for node, n := range v.Services {
		services += n
		if pool := v.Nodes[node].Pool; pool == "ci-preemptible" {
			t.Errorf("%s: %d web pod(s) shown on %s, of the tainted pool", vr.Scenario, n, node)
		}
	}
	if services == 0 {
		t.Errorf("%s: the page shows none of the web Deployment's pods", vr.Scenario)
	}
	if vr.Preempted > 0 && (cordoned != 1 || gone != 1) {
		t.Errorf("%s: %d job pods preempted; the page shows %d node(s) cordoned and %d gone, want the one preempted node as both", vr.Scenario, vr.Preempted, cordoned, gone)
	}
	if len(v.Nodes) < 2 || len(v.Pods) != len(vr.Pods) {
		t.Errorf("%s: the page shows %d nodes and %d job pods; the result lists %d job pods", vr.Scenario, len(v.Nodes), len(v.Pods), len(vr.Pods))
	}
	state := map[kwoklab.PodState][]string{
		kwoklab.PodSucceeded: {"succeeded"}, kwoklab.PodPreempted: {"preempted"}, kwoklab.PodFailed: {"failed"},
		kwoklab.PodRunning: {"bound"}, kwoklab.PodPending: {"pending", "unschedulable"},
	}
	byName := map[string]shownPod{}
	retries := 0
	for _, got := range v.Pods {
		byName[got.Pod] = got
		if got.Attempt > 1 {
			retries++
		}
	}
	for _, p := range vr.Pods {
		got, ok := byName[p.Pod]
		if !ok || got.Node != p.Node || got.Attempt != p.Attempt || !slices.Contains(state[p.State], got.State) {
			t.Errorf("%s: job pod %s on the page: %+v (shown: %v); the result: on %q, attempt %d, %s", vr.Scenario, p.Pod, got, ok, p.Node, p.Attempt, p.State)
		}
		if p.State == kwoklab.PodPending && p.Reason != "" && !strings.Contains(got.Title, p.Reason) {
			t.Errorf("%s: job pod %s never ran because %q; the page says %q", vr.Scenario, p.Pod, p.Reason, got.Title)
		}
	}
	if retries != vr.Retries {
		t.Errorf("%s: the page marks %d retries, the result counts %d", vr.Scenario, retries, vr.Retries)
	}
	t.Logf("%s; the page: %d nodes, %d job pods", vr, len(v.Nodes), len(v.Pods))
}
