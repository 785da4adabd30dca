package kindlab

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/bloglabs/posts/internal/kube"
	"github.com/bloglabs/posts/labs/runtimes/kind"
)

// DefaultCluster is the cluster the kind lab creates or reuses: the name in
// ci-preemptible/deploy/kind-cluster.yaml, whose preemptible worker is the
// container preemptible-lab-worker2.
const DefaultCluster = "preemptible-lab"

// ErrNoPreemptibleNode is returned by Run when the cluster it reuses has no
// Ready node labelled cloud.google.com/gke-preemptible=true.
var ErrNoPreemptibleNode = errors.New("no Ready node labelled " + PreemptibleKey + "=true")

// Options configure Run. The zero value is the lab as documented.
type Options struct {
	// Cluster is the kind cluster's name. Defaults to DefaultCluster. A
	// cluster of that name that exists is reused (it must have a
	// preemptible node: `go run ./labs/cmd/lab cluster up --shape
	// preemptible --cluster NAME`); else one of shape
	// kind.PreemptibleCluster is created.
	Cluster string
	// Keep keeps a cluster Run created. A reused cluster is always kept.
	Keep bool
	// Jobs is how many job pods (selector and toleration) run. Defaults
	// to 2; each requests 1.1 CPU and 2.1 GiB as job-pod.yaml says, and
	// kind's nodes share this machine's.
	Jobs int
	// Notice is the grace `docker stop` gives the node: GCE gives a
	// preemptible VM 30 s, shortened here. Defaults to 5s.
	Notice time.Duration
	// Timeout bounds each wait: for the nodes, for the pods to settle, for
	// the node controller to see the preempted node gone. Defaults to 3m.
	Timeout time.Duration
	// Progress receives kind's output and a line per step. Defaults to
	// discarding.
	Progress io.Writer
}

func (o *Options) defaults() {
	if o.Cluster == "" {
		o.Cluster = DefaultCluster
	}
	if o.Jobs <= 0 {
		o.Jobs = 2
	}
	if o.Notice <= 0 {
		o.Notice = 5 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

// Run is the lab live: it checks the host (kind.Up refuses, creating
// nothing, with kind.CheckHost's plain message wrapping kind.ErrHost), brings
// up the cluster, applies the web Deployment, Jobs job pods and one job pod
// whose toleration was forgotten in a namespace of its own, and prints where
// they landed; then it stops the preemptible node's container, waits for the
// node controller to mark the node not Ready, creates GitLab's retry of a
// job, and prints the table again. It deletes the namespace, and the cluster
// when it created it and Keep is false; a kept cluster gets its node
// started again.
func Run(ctx context.Context, stdout io.Writer, o Options) (err error) {
	o.defaults()
	pr := o.Progress
	fmt.Fprintf(pr, "checking that kind can run here, then bringing up cluster %s...\n", o.Cluster)
	created, err := kind.Up(ctx, kind.PreemptibleCluster(o.Cluster), o.Timeout, pr)
	if errors.Is(err, kind.ErrHost) {
		return fmt.Errorf("%w. The simulated lab needs none of this: cisim lab, without --runtime kind", err)
	}
	if err != nil {
		return err
	}
	var preempted string
	defer func() {
		bg := context.WithoutCancel(ctx)
		if created && !o.Keep {
			fmt.Fprintf(pr, "deleting kind cluster %s (keep it with --keep)...\n", o.Cluster)
			err = errors.Join(err, kind.Down(bg, o.Cluster, pr))
			return
		}
		if preempted != "" {
			fmt.Fprintf(pr, "starting node %s again (the cluster is kept)...\n", preempted)
			err = errors.Join(err, docker(bg, "start", preempted))
		}
	}()
	cs, err := kind.Clientset(o.Cluster, pr)
	if err != nil {
		return fmt.Errorf("kind lab: %w", err)
	}
	l := lab{cs: cs, every: time.Second, stop: func(ctx context.Context, node string) error {
		preempted = node
		return docker(ctx, "stop", "--time", strconv.Itoa(int(o.Notice.Seconds())), node)
	}}
	return l.run(ctx, stdout, o)
}

// lab is the kind lab on a cluster that is up: cs its API server, stop the
// preemption of a node, every the polling period.
type lab struct {
	cs    kubernetes.Interface
	stop  func(ctx context.Context, node string) error
	every time.Duration
}

func (l lab) run(ctx context.Context, stdout io.Writer, o Options) error {
	pr, cs := o.Progress, l.cs
	node, err := l.waitPreemptibleNode(ctx, o.Timeout)
	if err != nil {
		return fmt.Errorf("kind lab: cluster %s: %w", o.Cluster, err)
	}
	ns := "preemptible-lab-" + strings.ToLower(rand.Text()[:6])
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: ns, Labels: map[string]string{kind.LabelPartOf: kind.PartOf},
	}}, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("kind lab: create namespace %s: %w", ns, err)
	}
	defer func() {
		bg := metav1.DeletePropagationBackground
		_ = cs.CoreV1().Namespaces().Delete(context.WithoutCancel(ctx), ns, metav1.DeleteOptions{PropagationPolicy: &bg})
	}()
	web, err := WebDeployment()
	if err != nil {
		return err
	}
	fmt.Fprintf(pr, "applying web-deployment.yaml, %d job pod(s) from job-pod.yaml and one without its toleration in namespace %s...\n", o.Jobs, ns)
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, web, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("kind lab: create deployment web: %w", err)
	}
	for i := 1; i <= o.Jobs; i++ {
		if err := createJob(ctx, cs, ns, fmt.Sprintf("job-%d", i), VariantJob); err != nil {
			return err
		}
	}
	if err := createJob(ctx, cs, ns, "job-no-toleration", VariantForgotten); err != nil {
		return err
	}
	fmt.Fprintln(pr, "waiting for the pods to run or for the scheduler's verdict (images are pulled on first use)...")
	// Every pod must exist before the table is taken: the ReplicaSet
	// controller creates the web pods a moment after the Deployment.
	want := int(*web.Spec.Replicas) + o.Jobs + 1
	rows, err := l.waitRows(ctx, ns, o.Timeout, func(rows []Row) bool { return len(rows) >= want && Settled(rows) })
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "1. Where the pods landed (cluster %s, preemptible node %s):\n\n", o.Cluster, node)
	if err := report(stdout, rows); err != nil {
		return err
	}

	fmt.Fprintf(pr, "preempting %s: docker stop --time %d (GCE gives 30 s notice)...\n", node, int(o.Notice.Seconds()))
	stopAt := time.Now()
	if err := l.stop(ctx, node); err != nil {
		return err
	}
	fmt.Fprintln(pr, "waiting for the node controller to mark the node not Ready (its grace period is 40-50 s)...")
	if err := l.waitNodeNotReady(ctx, node, o.Timeout); err != nil {
		return err
	}
	notReadyAfter := time.Since(stopAt).Round(time.Second)
	if err := createJob(ctx, cs, ns, "job-1-retry", VariantRetry); err != nil {
		return err
	}
	rows, err = l.waitRows(ctx, ns, o.Timeout, func(rows []Row) bool {
		return len(rows) >= want+1 && Settled(rows) && slices.ContainsFunc(rows, func(r Row) bool { return r.Workload == WorkloadRetry })
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n2. After the preemption (%s stopped; not Ready %s later; GitLab's retry created then):\n\n", node, notReadyAfter)
	return report(stdout, rows)
}

func report(w io.Writer, rows []Row) error {
	if err := WriteTable(w, rows); err != nil {
		return err
	}
	surprises := Check(rows)
	if len(surprises) == 0 {
		fmt.Fprintln(w, "\n  as expected: jobs on the preemptible node or pending, web pods off it.")
		return nil
	}
	for _, s := range surprises {
		fmt.Fprintln(w, "\n  unexpected:", s)
	}
	return nil
}

func createJob(ctx context.Context, cs kubernetes.Interface, ns, name string, variant Variant) error {
	pod, err := JobPod(name, variant)
	if err != nil {
		return err
	}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("kind lab: create pod %s: %w", name, err)
	}
	return nil
}

// poll is kube.Poll every l.every, its error the kind lab's.
func (l lab) poll(ctx context.Context, timeout time.Duration, what string, f func(context.Context) (bool, error)) error {
	if err := kube.Poll(ctx, timeout, l.every, what, f); err != nil {
		return fmt.Errorf("kind lab: %w", err)
	}
	return nil
}

func snapshot(ctx context.Context, cs kubernetes.Interface, ns string) ([]Row, error) {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return Summarize(pods.Items, nodes.Items), nil
}

// waitRows polls the namespace until done(rows); on timeout it returns the
// last rows with no error, so the table shows how far things got.
func (l lab) waitRows(ctx context.Context, ns string, timeout time.Duration, done func([]Row) bool) ([]Row, error) {
	var rows []Row
	err := l.poll(ctx, timeout, "pods", func(ctx context.Context) (bool, error) {
		r, err := snapshot(ctx, l.cs, ns)
		if err != nil {
			return false, err
		}
		rows = r
		return len(rows) > 0 && done(rows), nil
	})
	if err != nil && ctx.Err() == nil && rows != nil {
		return rows, nil
	}
	return rows, err
}

func (l lab) waitPreemptibleNode(ctx context.Context, timeout time.Duration) (string, error) {
	var name string
	err := l.poll(ctx, timeout, "nodes Ready", func(ctx context.Context) (bool, error) {
		nodes, err := l.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		name = ""
		for i := range nodes.Items {
			n := &nodes.Items[i]
			if !kube.NodeReady(n) {
				return false, nil
			}
			if pool(n) == PoolPreemptible && name == "" {
				name = n.Name
			}
		}
		return len(nodes.Items) > 0, nil
	})
	if err != nil {
		return "", err
	}
	if name == "" {
		return "", fmt.Errorf("%w (create one with: go run ./labs/cmd/lab cluster up --shape preemptible --cluster NAME)", ErrNoPreemptibleNode)
	}
	return name, nil
}

func (l lab) waitNodeNotReady(ctx context.Context, name string, timeout time.Duration) error {
	return l.poll(ctx, timeout, "node "+name+" not Ready", func(ctx context.Context) (bool, error) {
		n, err := l.cs.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return !kube.NodeReady(n), nil
	})
}

// docker runs the docker command, as kind itself drives its nodes; a kind
// node's container has the node's name.
func docker(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
