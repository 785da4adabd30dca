package sim

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// ErrInvalidScenario is returned (wrapped) by ParseScenario, LoadScenario and
// Run when a scenario is malformed or inconsistent.
var ErrInvalidScenario = errors.New("invalid scenario")

// Provisioning is how a pool's machines are bought.
type Provisioning string

const (
	// OnDemand machines are billed per second and never preempted.
	OnDemand Provisioning = "on-demand"
	// Preemptible machines are preempted at the latest 24 h after creation,
	// and at random before that.
	Preemptible Provisioning = "preemptible"
	// Spot machines have no maximum lifetime but are preempted at random.
	Spot Provisioning = "spot"
	// Fixed is a machine paid for whether used or not (the post's basement
	// box): a flat cost per month, never preempted, never scaled.
	Fixed Provisioning = "fixed"
)

// Scenario is one simulated setup. Load it from YAML with ParseScenario or
// LoadScenario; the field names below are the YAML keys.
type Scenario struct {
	// Name identifies the scenario in tables and JSON.
	Name string `json:"name"`
	// Title is a one-line human description. Defaults to Name.
	Title string `json:"title,omitempty"`
	// Description is free text for the reader of the YAML file.
	Description string `json:"description,omitempty"`
	// Seed makes a run reproducible. Defaults to 1.
	Seed uint64 `json:"seed,omitempty"`
	// Horizon is when job arrivals stop; running jobs then drain.
	Horizon metav1.Duration `json:"horizon"`
	// MaxJobs, if set, also stops arrivals after that many jobs.
	MaxJobs int `json:"maxJobs,omitempty"`
	// Drain bounds how long after Horizon the simulation waits for jobs
	// still queued or running; what is left then is reported as pending.
	// Defaults to 24h.
	Drain *metav1.Duration `json:"drain,omitempty"`
	// Currency labels costs. Defaults to USD.
	Currency string `json:"currency,omitempty"`
	// Scheduler chooses kube-scheduler's scoring strategy.
	Scheduler SchedulerConfig `json:"scheduler,omitempty"`
	// Pools are the node pools, in the order the autoscaler breaks price ties.
	Pools []Pool `json:"pools"`
	// Workloads are CI job streams and long-running Deployments.
	Workloads []Workload `json:"workloads"`

	// resolved at load time
	loaded bool
}

// SchedulerConfig mirrors the NodeResourcesFit scoring strategy.
type SchedulerConfig struct {
	// Scoring is LeastAllocated (kube-scheduler's default: spread) or
	// MostAllocated (bin-pack, as GKE's optimize-utilization profile).
	// Defaults to LeastAllocated.
	Scoring string `json:"scoring,omitempty"`
}

// Pool is a node pool: one machine type, one way of buying it.
type Pool struct {
	// Name is the pool name; GKE puts it in the node label
	// cloud.google.com/gke-nodepool.
	Name string `json:"name"`
	// Provisioning is on-demand, preemptible, spot or fixed.
	Provisioning Provisioning `json:"provisioning"`
	// MachineType, e.g. e2-standard-4; also the node.kubernetes.io/instance-type label.
	MachineType string `json:"machineType,omitempty"`
	// PricePerHour is the price of one node per hour (on-demand, preemptible, spot).
	PricePerHour float64 `json:"pricePerHour,omitempty"`
	// CostPerMonth is the flat cost of one fixed machine per 30 days.
	CostPerMonth float64 `json:"costPerMonth,omitempty"`
	// Allocatable is what the kubelet offers pods (cpu, memory, pods).
	// Defaults to the template node's status.allocatable.
	Allocatable corev1.ResourceList `json:"allocatable,omitempty"`
	// Min and Max bound the autoscaler. A fixed pool always has Min nodes.
	Min int `json:"min,omitempty"`
	Max int `json:"max,omitempty"`
	// BootTime is from the autoscaler's request to a Ready node. Defaults to 90s.
	BootTime *metav1.Duration `json:"bootTime,omitempty"`
	// ScaleDownIdle is how long a node must stay empty before the autoscaler
	// removes it (cluster-autoscaler's scale-down-unneeded-time). Defaults to 10m.
	ScaleDownIdle *metav1.Duration `json:"scaleDownIdle,omitempty"`
	// NodeLabels are the pool's --node-labels.
	NodeLabels map[string]string `json:"nodeLabels,omitempty"`
	// NodeTaints are the pool's --node-taints, as KEY=VALUE:EFFECT.
	NodeTaints []string `json:"nodeTaints,omitempty"`
	// Node is an optional template node (labels, taints, allocatable) that
	// NodeLabels and NodeTaints add to; NodeFile reads it from a file.
	Node     *corev1.Node `json:"node,omitempty"`
	NodeFile string       `json:"nodeFile,omitempty"`
	// Preemption configures preemptible and Spot pools.
	Preemption *Preemption `json:"preemption,omitempty"`

	template *corev1.Node
	taints   []corev1.Taint
}

// Preemption describes when and how the cloud takes a node back.
type Preemption struct {
	// MaxLifetime is the hard limit: 24h for preemptible VMs (the default
	// there); Spot VMs have none and reject this field.
	MaxLifetime *metav1.Duration `json:"maxLifetime,omitempty"`
	// PerNodeDay is the random preemption rate: expected preemptions per
	// node per day of uptime (a hazard rate). Google publishes no figure;
	// see docs/labs/preemptible.md for how to measure yours.
	PerNodeDay float64 `json:"perNodeDay,omitempty"`
	// Notice is from the preemption notice to the VM being gone. Defaults to 30s.
	Notice *metav1.Duration `json:"notice,omitempty"`
	// GracePeriod is what kubelet's graceful node shutdown gives ordinary
	// pods; they have failed by then. Defaults to 15s (GKE).
	GracePeriod *metav1.Duration `json:"gracePeriod,omitempty"`
	// At are preemptions at fixed times, besides the random ones: at each,
	// the pool's node with the lowest number that is not already going
	// gets its notice. The kwok lab (ci-preemptible/kwoklab) preempts the same node at the same
	// time, so the two runs can be compared pod by pod.
	At []metav1.Duration `json:"at,omitempty"`
}

// Workload is either a stream of CI jobs (the pod template comes from a
// gitlab-runner config.toml or a Pod) or a Deployment that runs all along.
// Exactly one of RunnerConfig, RunnerConfigFile, Pod, PodFile, Deployment
// and DeploymentFile is set.
type Workload struct {
	// Name identifies the workload in results.
	Name string `json:"name"`
	// IntendedPools are where this workload is meant to run; a pod placed on
	// any other pool is counted as on the wrong pool. Empty means anywhere.
	IntendedPools []string `json:"intendedPools,omitempty"`

	// RunnerConfig is a gitlab-runner config.toml, inline; RunnerConfigFile
	// reads one. Job pods are built from its first [[runners]] entry.
	RunnerConfig     string `json:"runnerConfig,omitempty"`
	RunnerConfigFile string `json:"runnerConfigFile,omitempty"`
	// Pod is a job pod template, inline; PodFile reads one.
	Pod     *corev1.Pod `json:"pod,omitempty"`
	PodFile string      `json:"podFile,omitempty"`
	// Jobs describes the job stream; required with a runner config or pod.
	Jobs *Jobs `json:"jobs,omitempty"`

	// Deployment is a long-running workload, inline; DeploymentFile reads one.
	Deployment     *appsv1.Deployment `json:"deployment,omitempty"`
	DeploymentFile string             `json:"deploymentFile,omitempty"`
	// RolloutEvery, for a Deployment, replaces its pods that often (a
	// release, `kubectl rollout restart`), first at RolloutAt (defaults to
	// RolloutEvery). Each rollout schedules the pods afresh.
	RolloutEvery *metav1.Duration `json:"rolloutEvery,omitempty"`
	RolloutAt    *metav1.Duration `json:"rolloutAt,omitempty"`

	pod      *corev1.Pod
	replicas int
	runner   *RunnerSettings
}

// Jobs is a stream of CI jobs.
type Jobs struct {
	// Arrivals is the arrival process.
	Arrivals Arrivals `json:"arrivals"`
	// Duration is the job run time distribution.
	Duration Duration `json:"duration"`
	// Trace, when set, replaces Arrivals and Duration: these jobs, in
	// order of arrival, and no others. Job n (from 1) is Trace[n-1].
	Trace []TracedJob `json:"trace,omitempty"`
	// Retry is GitLab's retry keyword: an integer (max, any failure) or
	// {max, when}. Absent means no retry.
	Retry *Retry `json:"retry,omitempty"`
	// Concurrent overrides the runner's concurrent limit; 0 means none.
	// Defaults to the config.toml's, or no limit for a Pod template.
	Concurrent *int `json:"concurrent,omitempty"`
	// PollTimeout overrides the runner's poll_timeout; 0 waits forever.
	// Defaults to the config.toml's (180s if unset there), or forever for a Pod template.
	PollTimeout *metav1.Duration `json:"pollTimeout,omitempty"`
	// PreemptionMisreported is the share (0 to 1) of job attempts killed by
	// a preemption that gitlab-runner reports as script_failure instead of
	// runner_system_failure, as older runners did (docs/labs/preemptible.md,
	// "Retry"): `retry: when: runner_system_failure` then does not retry
	// them. Defaults to 0, a current runner.
	PreemptionMisreported float64 `json:"preemptionMisreported,omitempty"`
}

// TracedJob is one job of a recorded stream: when it arrives and how long
// it runs.
type TracedJob struct {
	At       metav1.Duration `json:"at"`
	Duration metav1.Duration `json:"duration"`
}

// Arrivals is a Poisson process, optionally thinned to working hours.
type Arrivals struct {
	// PerHour is the arrival rate (during working hours with a profile).
	PerHour float64 `json:"perHour"`
	// Profile is "" (constant) or "working-day".
	Profile string `json:"profile,omitempty"`
	// WorkdayStart and WorkdayEnd bound working hours. Default 8h and 18h.
	WorkdayStart *metav1.Duration `json:"workdayStart,omitempty"`
	WorkdayEnd   *metav1.Duration `json:"workdayEnd,omitempty"`
	// OffPeakFactor scales the rate outside working hours and at weekends.
	// Defaults to 0.05.
	OffPeakFactor *float64 `json:"offPeakFactor,omitempty"`
}

// Duration is a job duration distribution.
type Duration struct {
	// Distribution is exponential or lognormal.
	Distribution string `json:"distribution"`
	// Mean is the mean duration.
	Mean metav1.Duration `json:"mean"`
	// Sigma is the lognormal shape (standard deviation of the log).
	Sigma float64 `json:"sigma,omitempty"`
}

// Retry is GitLab CI's retry keyword.
type Retry struct {
	// Max is how many times a failed job is retried (GitLab allows 0 to 2).
	Max int `json:"max"`
	// When lists failure reasons that are retried; empty means always.
	When []string `json:"when,omitempty"`
}

// UnmarshalJSON accepts both GitLab forms: `retry: 2` and `retry: {max: 2, when: [...]}`.
func (r *Retry) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '{' {
		var n int
		if err := jsonUnmarshalStrict(b, &n); err != nil {
			return fmt.Errorf("retry: %w", err)
		}
		*r = Retry{Max: n}
		return nil
	}
	type plain Retry
	var p plain
	if err := jsonUnmarshalStrict(b, &p); err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	*r = Retry(p)
	return nil
}

// Failure reasons GitLab reports; the simulator produces runner_system_failure.
const (
	// ReasonRunnerSystemFailure is what a job gets when its pod dies with
	// the node or never starts within poll_timeout.
	ReasonRunnerSystemFailure = "runner_system_failure"
	// ReasonScriptFailure is what a job gets when its script fails; older
	// gitlab-runners also gave it to a job whose pod died with its node
	// (Jobs.PreemptionMisreported).
	ReasonScriptFailure = "script_failure"
)

// gitlabRetryWhen are the values GitLab accepts in retry:when.
var gitlabRetryWhen = []string{
	"always", "unknown_failure", "script_failure", "api_failure",
	"stuck_or_timeout_failure", "runner_system_failure", "runner_unsupported",
	"stale_schedule", "job_execution_timeout", "archived_failure",
	"unmet_prerequisites", "scheduler_failure", "data_integrity_failure",
}

// Retries reports whether GitLab retries a job that failed for reason on
// its attempt-th try (1-based). A nil Retry never retries.
func (r *Retry) Retries(attempt int, reason string) bool {
	if r == nil || attempt > r.Max {
		return false
	}
	if len(r.When) == 0 {
		return true
	}
	return slices.Contains(r.When, "always") || slices.Contains(r.When, reason)
}

// ParseScenario decodes a scenario strictly (unknown or duplicate keys are
// errors) and resolves its file references through readFile, which is given
// the reference as written (nil forbids references). Defaults are applied
// and the whole scenario is validated, including every pod template against
// every pool with the scheduler's predicates.
func ParseScenario(data []byte, readFile func(name string) ([]byte, error)) (*Scenario, error) {
	var sc Scenario
	if err := yaml.UnmarshalStrict(data, &sc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidScenario, err)
	}
	if readFile == nil {
		readFile = func(name string) ([]byte, error) {
			return nil, fmt.Errorf("file references are not allowed here (%s)", name)
		}
	}
	if err := sc.resolve(readFile); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidScenario, sc.Name, err)
	}
	return &sc, nil
}

// LoadScenario reads a scenario from fsys; its file references are relative
// to the scenario's directory (../ is allowed within fsys).
func LoadScenario(fsys fs.FS, name string) (*Scenario, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	dir := path.Dir(name)
	sc, err := ParseScenario(data, func(ref string) ([]byte, error) {
		p := path.Clean(path.Join(dir, ref))
		if !fs.ValidPath(p) {
			return nil, fmt.Errorf("reference %q leaves the file system", ref)
		}
		return fs.ReadFile(fsys, p)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return sc, nil
}

// LoadScenarioFile reads a scenario from disk; its file references are
// relative to the file's directory.
func LoadScenarioFile(file string) (*Scenario, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read scenario: %w", err)
	}
	dir := filepath.Dir(file)
	sc, err := ParseScenario(data, func(ref string) ([]byte, error) {
		return os.ReadFile(filepath.Join(dir, filepath.FromSlash(ref)))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return sc, nil
}

// strictDecoder decodes Kubernetes manifests the way `kubectl apply
// --validate=strict` would reject them: unknown and duplicate fields fail.
var strictDecoder = serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()

// DecodeObject decodes one Kubernetes manifest strictly with client-go's scheme.
func DecodeObject(data []byte) (runtime.Object, error) {
	obj, _, err := strictDecoder.Decode(data, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("decode manifest: %w", err)
	}
	return obj, nil
}

func decodeAs[T runtime.Object](data []byte, kind string) (T, error) {
	var zero T
	obj, err := DecodeObject(data)
	if err != nil {
		return zero, err
	}
	t, ok := obj.(T)
	if !ok {
		return zero, fmt.Errorf("want a %s, got %T", kind, obj)
	}
	return t, nil
}

func (sc *Scenario) resolve(readFile func(string) ([]byte, error)) error {
	if sc.Name == "" {
		return errors.New("name is required")
	}
	if sc.Title == "" {
		sc.Title = sc.Name
	}
	if sc.Seed == 0 {
		sc.Seed = 1
	}
	if sc.Currency == "" {
		sc.Currency = "USD"
	}
	if sc.Horizon.Duration <= 0 {
		return errors.New("horizon must be positive")
	}
	if sc.Drain == nil {
		sc.Drain = &metav1.Duration{Duration: 24 * time.Hour}
	}
	switch sc.Scheduler.Scoring {
	case "":
		sc.Scheduler.Scoring = "LeastAllocated"
	case "LeastAllocated", "MostAllocated":
	default:
		return fmt.Errorf("scheduler.scoring %q: want LeastAllocated or MostAllocated", sc.Scheduler.Scoring)
	}
	if len(sc.Pools) == 0 {
		return errors.New("at least one pool is required")
	}
	seen := map[string]bool{}
	for i := range sc.Pools {
		p := &sc.Pools[i]
		if seen[p.Name] {
			return fmt.Errorf("pool %q: duplicate name", p.Name)
		}
		seen[p.Name] = true
		if err := p.resolve(readFile); err != nil {
			return fmt.Errorf("pool %q: %w", p.Name, err)
		}
	}
	if len(sc.Workloads) == 0 {
		return errors.New("at least one workload is required")
	}
	wseen := map[string]bool{}
	for i := range sc.Workloads {
		w := &sc.Workloads[i]
		if wseen[w.Name] {
			return fmt.Errorf("workload %q: duplicate name", w.Name)
		}
		wseen[w.Name] = true
		if err := w.resolve(readFile, seen); err != nil {
			return fmt.Errorf("workload %q: %w", w.Name, err)
		}
		// Surface invalid selectors now rather than mid-run.
		for j := range sc.Pools {
			if _, _, err := Schedulable(w.pod, sc.Pools[j].template); err != nil {
				return fmt.Errorf("workload %q on pool %q: %w", w.Name, sc.Pools[j].Name, err)
			}
		}
	}
	sc.loaded = true
	return nil
}

// resolve defaults and validates the pool and builds its template node, in
// the order a node gets its shape: the base object, the labels GKE adds for
// the way it is bought, the pool's own labels and taints, its size, and how
// the cloud takes it back.
func (p *Pool) resolve(readFile func(string) ([]byte, error)) error {
	if p.Name == "" {
		return errors.New("name is required")
	}
	base, err := p.baseNode(readFile)
	if err != nil {
		return err
	}
	if err := p.applyProvisioning(base); err != nil {
		return err
	}
	if err := p.applyLabelsAndTaints(base); err != nil {
		return err
	}
	if err := p.resolveSize(base); err != nil {
		return err
	}
	if err := p.resolvePreemption(); err != nil {
		return err
	}
	p.template = base
	p.taints = base.Spec.Taints
	return nil
}

// baseNode is the pool's template node as given (inline or from a file), or
// an empty one.
func (p *Pool) baseNode(readFile func(string) ([]byte, error)) (*corev1.Node, error) {
	if p.Node != nil && p.NodeFile != "" {
		return nil, errors.New("set node or nodeFile, not both")
	}
	base := &corev1.Node{}
	switch {
	case p.Node != nil:
		base = p.Node.DeepCopy()
	case p.NodeFile != "":
		data, err := readFile(p.NodeFile)
		if err != nil {
			return nil, fmt.Errorf("nodeFile: %w", err)
		}
		n, err := decodeAs[*corev1.Node](data, "Node")
		if err != nil {
			return nil, fmt.Errorf("nodeFile %s: %w", p.NodeFile, err)
		}
		base = n
	}
	if base.Labels == nil {
		base.Labels = map[string]string{}
	}
	return base, nil
}

// applyProvisioning checks the pool's prices against the way it is bought
// and adds the labels GKE puts on every node of such a pool, so that
// selectors written for GKE match here exactly as they would there.
func (p *Pool) applyProvisioning(base *corev1.Node) error {
	switch p.Provisioning {
	case OnDemand, Preemptible, Spot:
		if p.PricePerHour < 0 || p.CostPerMonth != 0 {
			return errors.New("cloud pools take pricePerHour (>= 0), not costPerMonth")
		}
		base.Labels["cloud.google.com/gke-nodepool"] = p.Name
		if p.MachineType != "" {
			base.Labels[corev1.LabelInstanceTypeStable] = p.MachineType
		}
		switch p.Provisioning {
		case Preemptible:
			base.Labels["cloud.google.com/gke-preemptible"] = "true"
		case Spot:
			base.Labels["cloud.google.com/gke-spot"] = "true"
		}
	case Fixed:
		if p.CostPerMonth < 0 || p.PricePerHour != 0 {
			return errors.New("a fixed pool takes costPerMonth (>= 0), not pricePerHour")
		}
		if p.Preemption != nil {
			return errors.New("a fixed machine is never preempted: remove preemption")
		}
		p.Max = p.Min
	default:
		return fmt.Errorf("provisioning %q: want on-demand, preemptible, spot or fixed", p.Provisioning)
	}
	base.Labels[corev1.LabelOSStable] = "linux"
	return nil
}

// applyLabelsAndTaints adds the pool's --node-labels and --node-taints.
func (p *Pool) applyLabelsAndTaints(base *corev1.Node) error {
	for k, v := range p.NodeLabels {
		base.Labels[k] = v
	}
	for _, s := range p.NodeTaints {
		t, err := ParseTaint(s)
		if err != nil {
			return fmt.Errorf("nodeTaints: %w", err)
		}
		base.Spec.Taints = append(base.Spec.Taints, t)
	}
	return nil
}

// resolveSize defaults the allocatable resources, the autoscaler's bounds
// and its timings.
func (p *Pool) resolveSize(base *corev1.Node) error {
	if len(p.Allocatable) == 0 {
		p.Allocatable = base.Status.Allocatable
	}
	if p.Allocatable.Cpu().IsZero() || p.Allocatable.Memory().IsZero() {
		return errors.New("allocatable cpu and memory are required")
	}
	if _, ok := p.Allocatable[corev1.ResourcePods]; !ok {
		p.Allocatable = p.Allocatable.DeepCopy()
		p.Allocatable[corev1.ResourcePods] = resource.MustParse("110") // kubelet's default max-pods
	}
	base.Status.Allocatable = p.Allocatable
	base.Status.Capacity = p.Allocatable
	if p.Min < 0 || p.Max < p.Min {
		return fmt.Errorf("want 0 <= min <= max, got min %d max %d", p.Min, p.Max)
	}
	if p.BootTime == nil {
		p.BootTime = &metav1.Duration{Duration: 90 * time.Second}
	}
	if p.ScaleDownIdle == nil {
		p.ScaleDownIdle = &metav1.Duration{Duration: 10 * time.Minute}
	}
	return nil
}

// resolvePreemption defaults and checks how a preemptible or Spot pool's
// nodes are taken back; other pools must not say.
func (p *Pool) resolvePreemption() error {
	if p.Preemption != nil && p.Provisioning == OnDemand {
		return errors.New("on-demand machines are not preempted: remove preemption")
	}
	if p.Provisioning != Preemptible && p.Provisioning != Spot {
		return nil
	}
	if p.Preemption == nil {
		p.Preemption = &Preemption{}
	}
	pr := p.Preemption
	if p.Provisioning == Spot && pr.MaxLifetime != nil {
		return errors.New("a Spot VM has no maximum lifetime: remove preemption.maxLifetime (or use provisioning: preemptible)")
	}
	if p.Provisioning == Preemptible && pr.MaxLifetime == nil {
		pr.MaxLifetime = &metav1.Duration{Duration: 24 * time.Hour}
	}
	if pr.PerNodeDay < 0 || math.IsNaN(pr.PerNodeDay) {
		return errors.New("preemption.perNodeDay must be >= 0")
	}
	if pr.Notice == nil {
		pr.Notice = &metav1.Duration{Duration: 30 * time.Second}
	}
	if pr.GracePeriod == nil {
		pr.GracePeriod = &metav1.Duration{Duration: 15 * time.Second}
	}
	if pr.GracePeriod.Duration > pr.Notice.Duration {
		return errors.New("preemption.gracePeriod cannot exceed the notice")
	}
	return nil
}

// TemplateNode is the node every node of a loaded pool is stamped from: the
// labels GKE gives the pool's nodes, its own labels, taints and allocatable.
// The caller gets a copy to name and create.
func (p *Pool) TemplateNode() *corev1.Node { return p.template.DeepCopy() }

// PodTemplate is the pod every pod of a loaded workload is made from: a
// job pod as gitlab-runner builds it from config.toml, or a Deployment's
// pod template. The caller gets a copy.
func (w *Workload) PodTemplate() *corev1.Pod { return w.pod.DeepCopy() }

// Replicas is a loaded Deployment workload's replica count (0 for jobs).
func (w *Workload) Replicas() int { return w.replicas }

// ParseTaint parses gcloud's and kubectl's KEY=VALUE:EFFECT (or KEY:EFFECT).
func ParseTaint(s string) (corev1.Taint, error) {
	kv, effect, ok := cutLast(s, ':')
	if !ok {
		return corev1.Taint{}, fmt.Errorf("taint %q: want KEY=VALUE:EFFECT", s)
	}
	key, value, _ := cutFirst(kv, '=')
	t := corev1.Taint{Key: key, Value: value, Effect: corev1.TaintEffect(effect)}
	switch t.Effect {
	case corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
	default:
		return corev1.Taint{}, fmt.Errorf("taint %q: effect %q: want NoSchedule, PreferNoSchedule or NoExecute", s, effect)
	}
	if key == "" {
		return corev1.Taint{}, fmt.Errorf("taint %q: empty key", s)
	}
	return t, nil
}

func cutFirst(s string, sep byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func cutLast(s string, sep byte) (string, string, bool) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == sep {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// resolve builds the workload's pod template from whichever source it names
// and checks what goes with that source: a job stream for job pods, a
// rollout schedule for a Deployment.
func (w *Workload) resolve(readFile func(string) ([]byte, error), pools map[string]bool) error {
	if w.Name == "" {
		return errors.New("name is required")
	}
	for _, p := range w.IntendedPools {
		if !pools[p] {
			return fmt.Errorf("intendedPools: no pool %q", p)
		}
	}
	n := 0
	for _, set := range []bool{w.RunnerConfig != "", w.RunnerConfigFile != "", w.Pod != nil, w.PodFile != "", w.Deployment != nil, w.DeploymentFile != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errors.New("set exactly one of runnerConfig, runnerConfigFile, pod, podFile, deployment, deploymentFile")
	}
	if w.Deployment != nil || w.DeploymentFile != "" {
		return w.resolveDeployment(readFile)
	}
	if err := w.resolveJobPod(readFile); err != nil {
		return err
	}
	if w.RolloutEvery != nil || w.RolloutAt != nil {
		return errors.New("rolloutEvery is for Deployments")
	}
	if w.Jobs == nil {
		return errors.New("jobs (arrivals, duration) is required with a runner config or pod")
	}
	return w.Jobs.validate()
}

// resolveJobPod builds the job pod from a runner config.toml or a Pod.
func (w *Workload) resolveJobPod(readFile func(string) ([]byte, error)) error {
	switch {
	case w.RunnerConfig != "" || w.RunnerConfigFile != "":
		data := []byte(w.RunnerConfig)
		if w.RunnerConfigFile != "" {
			var err error
			if data, err = readFile(w.RunnerConfigFile); err != nil {
				return fmt.Errorf("runnerConfigFile: %w", err)
			}
		}
		rs, err := ParseRunnerConfig(data)
		if err != nil {
			return err
		}
		w.runner = rs
		w.pod = rs.Pod
	case w.Pod != nil:
		w.pod = w.Pod.DeepCopy()
	default:
		data, err := readFile(w.PodFile)
		if err != nil {
			return fmt.Errorf("podFile: %w", err)
		}
		if w.pod, err = decodeAs[*corev1.Pod](data, "Pod"); err != nil {
			return fmt.Errorf("podFile %s: %w", w.PodFile, err)
		}
	}
	return nil
}

// resolveDeployment takes the replica pod and count from a Deployment and
// checks its rollout schedule.
func (w *Workload) resolveDeployment(readFile func(string) ([]byte, error)) error {
	d := w.Deployment
	if w.DeploymentFile != "" {
		data, err := readFile(w.DeploymentFile)
		if err != nil {
			return fmt.Errorf("deploymentFile: %w", err)
		}
		if d, err = decodeAs[*appsv1.Deployment](data, "Deployment"); err != nil {
			return fmt.Errorf("deploymentFile %s: %w", w.DeploymentFile, err)
		}
	}
	w.replicas = 1 // the API server's default
	if d.Spec.Replicas != nil {
		w.replicas = int(*d.Spec.Replicas)
	}
	w.pod = &corev1.Pod{ObjectMeta: d.Spec.Template.ObjectMeta, Spec: d.Spec.Template.Spec}
	if w.pod.Name == "" {
		w.pod.Name = d.Name
	}
	if w.Jobs != nil {
		return errors.New("a Deployment runs all along: remove jobs")
	}
	if w.RolloutEvery == nil {
		if w.RolloutAt != nil {
			return errors.New("rolloutAt needs rolloutEvery")
		}
		return nil
	}
	if w.RolloutEvery.Duration <= 0 {
		return errors.New("rolloutEvery must be positive")
	}
	if w.RolloutAt == nil {
		w.RolloutAt = &metav1.Duration{Duration: w.RolloutEvery.Duration}
	}
	if w.RolloutAt.Duration < 0 {
		return errors.New("rolloutAt must be >= 0")
	}
	return nil
}

func (j *Jobs) validate() error {
	if len(j.Trace) > 0 {
		return j.validateTrace()
	}
	if err := j.validateDistributions(); err != nil {
		return err
	}
	return j.validateRunner()
}

// validateTrace checks a recorded stream: arrivals in order, durations
// positive, and no distributions besides.
func (j *Jobs) validateTrace() error {
	if j.Arrivals != (Arrivals{}) || j.Duration != (Duration{}) {
		return errors.New("jobs: set trace or arrivals and duration, not both")
	}
	for i, tj := range j.Trace {
		if tj.Duration.Duration <= 0 || tj.At.Duration < 0 || (i > 0 && tj.At.Duration < j.Trace[i-1].At.Duration) {
			return fmt.Errorf("jobs.trace[%d]: want at >= the previous job's and duration > 0", i)
		}
	}
	return j.validateRunner()
}

func (j *Jobs) validateDistributions() error {
	a := &j.Arrivals
	if a.PerHour <= 0 || math.IsInf(a.PerHour, 0) || math.IsNaN(a.PerHour) {
		return errors.New("jobs.arrivals.perHour must be positive")
	}
	switch a.Profile {
	case "", "constant":
	case "working-day":
		if a.WorkdayStart == nil {
			a.WorkdayStart = &metav1.Duration{Duration: 8 * time.Hour}
		}
		if a.WorkdayEnd == nil {
			a.WorkdayEnd = &metav1.Duration{Duration: 18 * time.Hour}
		}
		if a.OffPeakFactor == nil {
			f := 0.05
			a.OffPeakFactor = &f
		}
		if s, e := a.WorkdayStart.Duration, a.WorkdayEnd.Duration; s < 0 || e > 24*time.Hour || s >= e {
			return errors.New("jobs.arrivals: want 0 <= workdayStart < workdayEnd <= 24h")
		}
		if f := *a.OffPeakFactor; f < 0 || f > 1 {
			return errors.New("jobs.arrivals.offPeakFactor must be in [0, 1]")
		}
	default:
		return fmt.Errorf("jobs.arrivals.profile %q: want constant or working-day", a.Profile)
	}
	d := &j.Duration
	if d.Mean.Duration <= 0 {
		return errors.New("jobs.duration.mean must be positive")
	}
	switch d.Distribution {
	case "exponential":
	case "lognormal":
		if d.Sigma <= 0 {
			return errors.New("jobs.duration.sigma must be positive for lognormal")
		}
	default:
		return fmt.Errorf("jobs.duration.distribution %q: want exponential or lognormal", d.Distribution)
	}
	return nil
}

// validateRunner checks what gitlab-runner and GitLab do with the jobs.
func (j *Jobs) validateRunner() error {
	if r := j.Retry; r != nil {
		if r.Max < 0 || r.Max > 2 {
			return fmt.Errorf("jobs.retry.max %d: GitLab allows 0, 1 or 2", r.Max)
		}
		for _, w := range r.When {
			if !slices.Contains(gitlabRetryWhen, w) {
				return fmt.Errorf("jobs.retry.when %q: not a GitLab failure reason", w)
			}
		}
	}
	if j.Concurrent != nil && *j.Concurrent < 0 {
		return errors.New("jobs.concurrent must be >= 0")
	}
	if j.PollTimeout != nil && j.PollTimeout.Duration < 0 {
		return errors.New("jobs.pollTimeout must be >= 0")
	}
	if m := j.PreemptionMisreported; m < 0 || m > 1 || math.IsNaN(m) {
		return errors.New("jobs.preemptionMisreported must be in [0, 1]")
	}
	return nil
}
