package kwoklab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bloglabs/posts/ci-preemptible/report"
	"github.com/bloglabs/posts/ci-preemptible/scenarios"
	"github.com/bloglabs/posts/ci-preemptible/sim"
	"github.com/bloglabs/posts/internal/kube"
	"github.com/bloglabs/posts/labs/live"
	"github.com/bloglabs/posts/tools/controlplane"
)

func (o *Options) defaults() {
	if len(o.Variants) == 0 {
		o.Variants = scenarios.Lab
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Observe == nil {
		o.Observe = func(live.ClusterEvent) {}
	}
}

// Run is the lab live on the real scheduler: on the cluster Options name,
// or on a local control plane it starts (and stops), it runs each variant ([RunVariant]) in turn, then prints the
// simulator's table with a live row and a simulated row per variant, each
// job pod's pool (and, for a pod that never ran, kube-scheduler's reason),
// and the agreement between the two; with Options.JSON it writes the
// variants' results there.
func Run(ctx context.Context, w io.Writer, o Options) (err error) {
	o.defaults()
	cs, stop, err := connect(ctx, o)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stop()) }()
	var results []*VariantResult
	for _, name := range o.Variants {
		sc, err := scenarios.Load(name)
		if err != nil {
			return fmt.Errorf("kwok lab: %w", err)
		}
		fmt.Fprintf(o.Progress, "%s: %s\n", sc.Name, sc.Title)
		vr, err := RunVariant(ctx, cs, sc, Shape{}, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(o.Progress, "  %s\n", vr)
		results = append(results, vr)
	}
	if o.Results != nil {
		o.Results(results)
	}
	if err := Write(w, results); err != nil {
		return err
	}
	if o.JSON != "" {
		return writeJSON(o.JSON, results)
	}
	return nil
}

// connect returns a client for the cluster Options name, or starts a local
// control plane and returns a client for it and its stop.
func connect(ctx context.Context, o Options) (kubernetes.Interface, func() error, error) {
	if o.Kubeconfig != "" {
		cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
			&clientcmd.ClientConfigLoadingRules{ExplicitPath: o.Kubeconfig},
			&clientcmd.ConfigOverrides{CurrentContext: o.Context}).ClientConfig()
		if err != nil {
			return nil, nil, fmt.Errorf("kwok lab: kubeconfig %s: %w", o.Kubeconfig, err)
		}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("kwok lab: %w", err)
		}
		return cs, func() error { return nil }, nil
	}
	fmt.Fprintln(o.Progress, "starting a local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)...")
	c, err := controlplane.Start(ctx, controlplane.Options{
		StartTimeout: o.Timeout,
		Logger:       slog.New(slog.NewTextHandler(o.Progress, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if errors.Is(err, controlplane.ErrNotBuilt) {
		return nil, nil, fmt.Errorf("kwok lab: %w: build them once with `go tool mage cluster:build` (10-17 min), or give --kubeconfig", err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("kwok lab: %w", err)
	}
	cs, err := c.Client()
	if err != nil {
		return nil, nil, errors.Join(fmt.Errorf("kwok lab: %w", err), c.Close())
	}
	return cs, c.Close, nil
}

// RunVariant runs one scenario live, scaled by shape (the zero Shape is
// the lab's), in a namespace and on nodes of its own that it removes at
// the end, then runs the simulator on the same jobs and compares.
func RunVariant(ctx context.Context, cs kubernetes.Interface, sc *sim.Scenario, shape Shape, o Options) (*VariantResult, error) {
	o.defaults()
	trace := shape.Trace()
	sc = shape.Scale(sc, trace)
	r := &runner{
		cs: cs, sc: sc, shape: shape, progress: o.Progress, every: 100 * time.Millisecond,
		runID: strings.ToLower(rand.Text()[:8]), seq: map[string]int{}, byName: map[string]*attempt{},
		webSeen: map[string]string{}, trace: trace, watch: o.Observe,
	}
	for i := range sc.Workloads {
		if sc.Workloads[i].Jobs != nil {
			r.jobs = &sc.Workloads[i]
		}
	}
	if r.jobs == nil {
		return nil, fmt.Errorf("kwok lab: %s has no job workload", sc.Name)
	}
	if o.Record != "" {
		r.recordDir = filepath.Join(o.Record, sc.Name)
	}
	defer r.cleanup(context.WithoutCancel(ctx))
	r.tell(live.ClusterEvent{Kind: live.ClusterVariant, Detail: sc.Title})
	if err := r.setup(ctx, o.Timeout); err != nil {
		return nil, err
	}
	r.t0 = time.Now()
	r.plan()
	if err := r.loop(ctx); err != nil {
		return nil, err
	}
	end := r.now()
	if r.recordDir != "" {
		if err := r.record(ctx, filepath.Join(r.recordDir, "end")); err != nil {
			return nil, err
		}
	}
	simRes, err := sim.Run(ctx, sc, sim.Options{Placements: true})
	if err != nil {
		return nil, fmt.Errorf("kwok lab: simulate %s: %w", sc.Name, err)
	}
	vr := r.result(simRes, end)
	r.tell(live.ClusterEvent{Kind: live.ClusterVariantEnd, Detail: vr.String()})
	return vr, nil
}

// setup creates the namespace, the pools' nodes and the Deployments.
func (r *runner) setup(ctx context.Context, timeout time.Duration) error {
	r.ns = "preemptible-lab-" + r.runID
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: r.ns, Labels: map[string]string{LabelRun: r.runID}}}
	if _, err := r.cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("kwok lab: create namespace %s: %w", r.ns, err)
	}
	// Pods are refused until kube-controller-manager has made the
	// namespace's default ServiceAccount.
	err := kube.Poll(ctx, timeout, r.every, "default ServiceAccount", func(ctx context.Context) (bool, error) {
		_, err := r.cs.CoreV1().ServiceAccounts(r.ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("kwok lab: %w", err)
	}
	fmt.Fprintf(r.progress, "  %d pools of %d kwok nodes, the web Deployment, then %d jobs over %s\n",
		len(r.sc.Pools), r.sc.Pools[0].Min, len(r.trace), r.sc.Horizon.Duration.Round(time.Second))
	if err := r.createNodes(ctx, timeout); err != nil {
		return err
	}
	return r.createDeployments(ctx, timeout)
}

// cleanup deletes the variant's namespace and nodes.
func (r *runner) cleanup(ctx context.Context) {
	bg := metav1.DeletePropagationBackground
	zero := int64(0)
	_ = r.cs.CoreV1().Namespaces().Delete(ctx, r.ns, metav1.DeleteOptions{PropagationPolicy: &bg, GracePeriodSeconds: &zero})
	_ = r.cs.CoreV1().Nodes().DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: LabelRun + "=" + r.runID})
}

// Write prints the variants: the simulator's table with a live and a
// simulated row each, then every job pod's pool, and the agreement.
func Write(w io.Writer, results []*VariantResult) error {
	var b bytes.Buffer
	b.WriteString(tableTitle + ":\n\n")
	if err := report.WriteTable(&b, tableRows(results)); err != nil {
		return err
	}
	for _, vr := range results {
		fmt.Fprintf(&b, "\n%s\n", agreement(vr))
		writePods(&b, vr)
		for _, d := range vr.Disagreements {
			if d.Live == noSuchPod {
				fmt.Fprintf(&b, "  only in the simulator: job %d attempt %d, on %s\n", d.Job, d.Attempt, dash(d.Sim))
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

const tableTitle = "The preemptible lab live on the real scheduler (kwok nodes), each variant next to the simulator fed the same jobs"

// tableRows are the table's rows: each variant live, then simulated.
func tableRows(results []*VariantResult) []*sim.Result {
	var rows []*sim.Result
	for _, vr := range results {
		s := *vr.sim
		s.Scenario += " (sim)"
		rows = append(rows, vr.live, &s)
	}
	return rows
}

func agreement(vr *VariantResult) string {
	return fmt.Sprintf("%s: agreement %.0f%% (%d job pods)", vr.Scenario, 100*vr.Agreement, len(vr.Pods))
}

// Table is the results as the live view shows them at the end: the table
// [Write] prints, and each variant's agreement.
func Table(results []*VariantResult) *live.Table {
	header, rows := report.Cells(tableRows(results))
	t := &live.Table{Title: tableTitle, Header: header, Rows: rows}
	for _, vr := range results {
		t.Notes = append(t.Notes, agreement(vr))
	}
	return t
}

func writePods(w io.Writer, vr *VariantResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  pod\tpool\tnode\twait\tran/duration\tstate\tsim\twhy")
	for _, p := range vr.Pods {
		simCol := "same"
		if !p.SimAgrees {
			simCol = dash(p.SimPool)
		}
		wait := "-"
		if p.Node != "" {
			wait = p.Wait.Round(100 * time.Millisecond).String()
		}
		ran := "-/" + p.Duration.Round(100*time.Millisecond).String()
		if p.Ran > 0 {
			ran = p.Ran.Round(100*time.Millisecond).String() + ran[1:]
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Pod, dash(p.Pool), dash(p.Node), wait, ran, p.State, simCol, p.Reason)
	}
	tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func writeJSON(path string, results []*VariantResult) error {
	data, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return fmt.Errorf("kwok lab: encode results: %w", err)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("kwok lab: %w", err)
		}
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("kwok lab: %w", err)
	}
	return nil
}
