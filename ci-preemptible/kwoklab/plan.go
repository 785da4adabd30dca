package kwoklab

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// Shape is how a month-long scenario is scaled to a live run of minutes:
// a fixed number of nodes per pool (no autoscaler), a short stream of jobs
// drawn once from a seed, and one preemption. The simulator is given
// exactly the same: the same jobs (sim.Jobs.Trace), the same fixed pools,
// the same preemption (sim.Preemption.At).
type Shape struct {
	// Seed draws the jobs. Defaults to 1.
	Seed uint64
	// Jobs is how many jobs arrive, Poisson over Span. Defaults to 18.
	Jobs int
	Span time.Duration // defaults to 60s
	// MeanDuration is the jobs' mean run time (lognormal, sigma 0.5).
	// Defaults to 20s.
	MeanDuration time.Duration
	// NodesPerPool is every pool's fixed size. Defaults to 2.
	NodesPerPool int
	// PreemptAt is when the first node of each preemptible or Spot pool is
	// preempted. Defaults to 30s.
	PreemptAt time.Duration
	// Notice and Grace scale GCE's 30 s notice and GKE's 15 s graceful
	// shutdown; Boot the replacement VM's boot. Default 4s, 2s and 5s.
	Notice, Grace, Boot time.Duration
	// Drain is how long after the last arrival the run may go on for jobs
	// to finish. Defaults to 60s.
	Drain time.Duration
}

func (s *Shape) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.Jobs == 0 {
		s.Jobs = 18
	}
	if s.NodesPerPool == 0 {
		s.NodesPerPool = 2
	}
	def(&s.Span, 60*time.Second)
	def(&s.MeanDuration, 20*time.Second)
	def(&s.PreemptAt, 30*time.Second)
	def(&s.Notice, 4*time.Second)
	def(&s.Grace, 2*time.Second)
	def(&s.Boot, 5*time.Second)
	def(&s.Drain, 60*time.Second)
}

// Trace draws the jobs: Poisson arrivals over Span, lognormal durations
// (sigma 0.5) with the given mean, whole milliseconds.
func (s Shape) Trace() []sim.TracedJob {
	s.defaults()
	rng := rand.New(rand.NewPCG(s.Seed, 0x6c6976656c6162)) // "livelab"
	rate := float64(s.Jobs) / s.Span.Seconds()
	const sigma = 0.5
	mu := math.Log(s.MeanDuration.Seconds()) - sigma*sigma/2
	out := make([]sim.TracedJob, 0, s.Jobs)
	at := 0.0
	for len(out) < s.Jobs {
		at += rng.ExpFloat64() / rate
		d := math.Exp(mu + sigma*rng.NormFloat64())
		out = append(out, sim.TracedJob{
			At:       metav1.Duration{Duration: time.Duration(at * 1e3 * float64(time.Millisecond)).Round(time.Millisecond)},
			Duration: metav1.Duration{Duration: time.Duration(d * 1e3 * float64(time.Millisecond)).Round(time.Millisecond)},
		})
	}
	return out
}

// Scale turns a scenario into its live shape, in place, and returns it: every
// pool fixed at NodesPerPool nodes (min = max) booting in Boot; preemptible
// and Spot pools with no random preemption and no lifetime cap, only the
// one at PreemptAt with the scaled notice and grace; every job workload fed
// the trace with no poll_timeout (the kwok lab's runner waits as long as
// the run lasts); no rollouts; arrivals end with the trace and the run
// drains for Drain. The scenario must have been loaded (sim.ParseScenario),
// and sim.Run takes these values as they are.
func (s Shape) Scale(sc *sim.Scenario, trace []sim.TracedJob) *sim.Scenario {
	s.defaults()
	last := time.Duration(0)
	if len(trace) > 0 {
		last = trace[len(trace)-1].At.Duration
	}
	sc.Horizon = metav1.Duration{Duration: last}
	sc.Drain = &metav1.Duration{Duration: s.Drain}
	for i := range sc.Pools {
		p := &sc.Pools[i]
		p.Min, p.Max = s.NodesPerPool, s.NodesPerPool
		p.BootTime = &metav1.Duration{Duration: s.Boot}
		if p.Preemption != nil {
			pr := *p.Preemption
			pr.PerNodeDay = 0
			if p.Provisioning == sim.Preemptible {
				pr.MaxLifetime = &metav1.Duration{Duration: 1000 * time.Hour}
			}
			pr.Notice = &metav1.Duration{Duration: s.Notice}
			pr.GracePeriod = &metav1.Duration{Duration: s.Grace}
			pr.At = []metav1.Duration{{Duration: s.PreemptAt}}
			p.Preemption = &pr
		}
	}
	zero := &metav1.Duration{}
	for i := range sc.Workloads {
		w := &sc.Workloads[i]
		w.RolloutEvery, w.RolloutAt = nil, nil
		if w.Jobs != nil {
			j := *w.Jobs
			j.Arrivals, j.Duration, j.Trace = sim.Arrivals{}, sim.Duration{}, trace
			j.PollTimeout = zero
			w.Jobs = &j
		}
	}
	return sc
}

// KwokNode is pool p's node number seq as the kwok lab's run runID creates
// it: the pool's template node (the labels GKE gives the pool's nodes, its
// taints, its allocatable) named as the simulator names it with the run
// after it (so that it meets no node of the cluster's own or of another
// run), with the hostname label a kubelet sets, the run's label that
// confines the run's pods ([Confine]), and kwok's annotation, so that kwok
// manages it.
func KwokNode(p *sim.Pool, seq int, runID string) *corev1.Node {
	n := p.TemplateNode()
	n.Name = p.Name + "-" + strconv.Itoa(seq) + "-" + runID
	n.Labels[corev1.LabelHostname] = n.Name
	n.Labels[corev1.LabelArchStable] = "amd64"
	n.Labels[LabelRun] = runID
	if n.Annotations == nil {
		n.Annotations = map[string]string{}
	}
	n.Annotations["kwok.x-k8s.io/node"] = "fake"
	n.Status.Capacity = n.Status.Allocatable.DeepCopy()
	return n
}

// JobPod is job number job's attempt as the kwok lab's run runID submits
// it: the workload's pod, exactly as the simulator builds it from the
// runner's config.toml, named for the job and attempt, labelled for the
// lab, and confined to the run's nodes ([Confine]).
func JobPod(w *sim.Workload, job, attempt int, runID string) *corev1.Pod {
	p := w.PodTemplate()
	p.Name = fmt.Sprintf("%s-job-%d-%d", w.Name, job, attempt)
	p.Namespace = ""
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[LabelJob] = strconv.Itoa(job)
	p.Labels[LabelAttempt] = strconv.Itoa(attempt)
	p.Labels[LabelWorkload] = w.Name
	Confine(&p.Spec, runID)
	return p
}

// Confine keeps a pod of run runID off every node but the run's own: the
// cluster may hold nodes of its own (`go tool mage cluster:local` has
// kwok-general and a kwok-preemptible tainted like the lab's pool) or of
// another run, and a job pod that lands there is a placement the simulator
// cannot make (measured on a cluster:local-shaped control plane: job pods
// of post-tainted on kwok-preemptible, agreement 43%). The run's
// label joins the pod's nodeSelector, which kube-scheduler ANDs with
// everything else the pod asks: its own selector, node affinity and
// tolerations are left as the variant wrote them, so a variant that forgot
// its toleration still finds no node.
func Confine(spec *corev1.PodSpec, runID string) {
	if spec.NodeSelector == nil {
		spec.NodeSelector = map[string]string{}
	}
	spec.NodeSelector[LabelRun] = runID
}

// Labels the kwok lab puts on its objects.
const (
	LabelRun      = "lab.bloglabs.dev/run"
	LabelJob      = "lab.bloglabs.dev/job"
	LabelAttempt  = "lab.bloglabs.dev/attempt"
	LabelWorkload = "lab.bloglabs.dev/workload"
)
