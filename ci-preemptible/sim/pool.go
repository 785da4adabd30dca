package sim

import (
	"errors"
	"fmt"
	"math"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

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
