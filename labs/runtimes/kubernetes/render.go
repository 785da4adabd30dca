package kubernetes

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/bloglabs/posts/labs/spec"
)

// Labels every object the runtime renders carries.
const (
	LabelName   = "app.kubernetes.io/name"
	LabelPartOf = "app.kubernetes.io/part-of"
	PartOf      = "bloglabs-labs"
)

// RenderOptions say how a spec becomes Kubernetes objects.
type RenderOptions struct {
	// Namespace of the objects. Defaults to "default".
	Namespace string
	// Image every container runs (the lab image: one image bundles every
	// program of the spec). Required.
	Image string
	// ImagePullPolicy. Defaults to IfNotPresent: images are loaded into the
	// nodes, never pulled, and a pull would fail.
	ImagePullPolicy corev1.PullPolicy
	// ProbePeriodSeconds is the readiness probe's period. Defaults to 1,
	// the least Kubernetes allows: a lab measures time to ready.
	ProbePeriodSeconds int32
	// TerminationGracePeriodSeconds. Defaults to 10.
	TerminationGracePeriodSeconds int64
}

// Render renders d as an apps/v1 Deployment in the shape of
// runonce/deploy/base: init containers, then the app with its readiness
// probe, POD_NAME from the downward API (runonce's holder), and every
// variable that holds a password — a DSN — moved into a Secret named
// NAME-env and read back with secretKeyRef. The Secret is nil when no
// variable needs one.
//
// Kubernetes expands $(VAR) in env values itself, against the variables
// before it, as spec.ExpandEnv does for the other runtimes; so the spec's
// values are rendered as they are written.
func Render(d spec.Deployment, o RenderOptions) (*appsv1.Deployment, *corev1.Secret, error) {
	if err := d.Validate(); err != nil {
		return nil, nil, fmt.Errorf("kubernetes: render: %w", err)
	}
	if o.Image == "" {
		return nil, nil, fmt.Errorf("kubernetes: render %s: no image", d.Name)
	}
	o = o.withDefaults()
	labels := map[string]string{LabelName: d.Name, LabelPartOf: PartOf}
	secret := &corev1.Secret{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{Name: d.Name + "-env", Namespace: o.Namespace, Labels: labels},
		Type:       corev1.SecretTypeOpaque,
		StringData: map[string]string{},
	}
	dep := deployment(d, o, labels)
	ps := &dep.Spec.Template.Spec
	for _, c := range d.InitContainers {
		ps.InitContainers = append(ps.InitContainers, container(c, true, o, secret))
	}
	ps.Containers = []corev1.Container{container(d.Container, false, o, secret)}
	if len(secret.StringData) == 0 {
		secret = nil
	}
	return dep, secret, nil
}

func (o RenderOptions) withDefaults() RenderOptions {
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.ImagePullPolicy == "" {
		o.ImagePullPolicy = corev1.PullIfNotPresent
	}
	if o.ProbePeriodSeconds <= 0 {
		o.ProbePeriodSeconds = 1
	}
	if o.TerminationGracePeriodSeconds <= 0 {
		o.TerminationGracePeriodSeconds = 10
	}
	return o
}

// deployment is d's Deployment without its containers.
func deployment(d spec.Deployment, o RenderOptions, labels map[string]string) *appsv1.Deployment {
	replicas := int32(d.Replicas)
	grace := o.TerminationGracePeriodSeconds
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: d.Name, Namespace: o.Namespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{LabelName: d.Name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: &grace,
					// The replicas are the only users of the service
					// account; they never call the API.
					AutomountServiceAccountToken: new(false),
					EnableServiceLinks:           new(false),
				},
			},
		},
	}
}

// container renders c; a variable that holds a password goes into secret
// and is read back from it.
func container(c spec.Container, init bool, o RenderOptions, secret *corev1.Secret) corev1.Container {
	kc := corev1.Container{
		Name:            c.Name,
		Image:           o.Image,
		ImagePullPolicy: o.ImagePullPolicy,
		Command:         slices.Clone(c.Command),
		// The tail of the log becomes the termination message of a
		// failed container: the crash's reason, without a log request.
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		Env:                      env(c, secret),
		// Small requests: N replicas fit a laptop's one-node cluster.
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("10m"),
			corev1.ResourceMemory: resource.MustParse("16Mi"),
		}},
	}
	if c.Port != 0 && !init {
		kc.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: int32(c.Port), Protocol: corev1.ProtocolTCP}}
	}
	if c.Readiness != nil && !init {
		kc.ReadinessProbe = &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: c.Readiness.Path, Port: intstr.FromString("http")}},
			PeriodSeconds:    o.ProbePeriodSeconds,
			TimeoutSeconds:   1,
			SuccessThreshold: 1,
			FailureThreshold: 3,
		}
	}
	return kc
}

// env is c's environment: POD_NAME from the downward API first (runonce's
// holder), PORT the spec's own as on every runtime (a program that listens
// on $PORT, like the contract's actor, is otherwise on a random port the
// readiness probe never finds), then the spec's variables, those with a
// password from secret.
func env(c spec.Container, secret *corev1.Secret) []corev1.EnvVar {
	out := []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"},
	}}}
	// A spec that sets PORT itself keeps its own (a second PORT would be a
	// duplicate the API server warns about).
	if c.Port != 0 && !slices.ContainsFunc(c.Env, func(v spec.EnvVar) bool { return v.Name == "PORT" }) {
		out = append(out, corev1.EnvVar{Name: "PORT", Value: strconv.Itoa(c.Port)})
	}
	for _, v := range c.Env {
		if v.Name == "POD_NAME" {
			continue
		}
		if !hasPassword(v.Value) {
			out = append(out, corev1.EnvVar{Name: v.Name, Value: v.Value})
			continue
		}
		key := secretKey(secret, c.Name, v)
		out = append(out, corev1.EnvVar{Name: v.Name, ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: secret.Name}, Key: key},
		}})
	}
	return out
}

// hasPassword says whether v is a URL with a password: a DSN, which
// belongs in a Secret rather than in the Deployment anyone may read.
func hasPassword(v string) bool {
	if !strings.Contains(v, "://") {
		return false
	}
	u, err := url.Parse(v)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

// secretKey stores v in s and returns its key: the variable's name, or
// CONTAINER.NAME when another container has the name with another value.
func secretKey(s *corev1.Secret, container string, v spec.EnvVar) string {
	key := v.Name
	if old, ok := s.StringData[key]; ok && old != v.Value {
		key = container + "." + v.Name
	}
	s.StringData[key] = v.Value
	return key
}
