// Package deploy_test checks the kustomize base in this folder: it builds
// with kustomize's own library (krusty), every object decodes strictly with
// client-go's scheme, and the initContainer is wired as the docs say.
package deploy_test

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

func build(t *testing.T, dir string) []byte {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func strictDecode(t *testing.T, y []byte) *appsv1.Deployment {
	t.Helper()
	s := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme.Scheme, scheme.Scheme, json.SerializerOptions{Yaml: true, Strict: true})
	obj, _, err := s.Decode(y, nil, nil)
	if err != nil {
		t.Fatalf("strict decode: %v\n%s", err, y)
	}
	d, ok := obj.(*appsv1.Deployment)
	if !ok {
		t.Fatalf("got %T, want a Deployment", obj)
	}
	return d
}

func env(c corev1.Container, name string) *corev1.EnvVar {
	for i := range c.Env {
		if c.Env[i].Name == name {
			return &c.Env[i]
		}
	}
	return nil
}

func TestBaseWiresRunonceAsInitContainer(t *testing.T) {
	d := strictDecode(t, build(t, "base"))
	spec := d.Spec.Template.Spec
	if len(spec.InitContainers) != 1 {
		t.Fatalf("%d initContainers, want 1", len(spec.InitContainers))
	}
	ic := spec.InitContainers[0]
	sep := slices.Index(ic.Command, "--")
	if ic.Command[0] != "/runonce" || sep < 0 || !slices.Equal(ic.Command[sep+1:], []string{"/app", "migrate"}) {
		t.Errorf("initContainer command = %q, want /runonce ... -- /app migrate", ic.Command)
	}
	if !slices.Contains(ic.Command[:sep], "--name=schema") {
		t.Errorf("initContainer command %q lacks --name=schema", ic.Command)
	}
	if v := env(ic, "RUNONCE_VERSION"); v == nil || v.ValueFrom == nil || v.ValueFrom.FieldRef == nil || v.ValueFrom.FieldRef.FieldPath != versionField {
		t.Errorf("RUNONCE_VERSION = %+v, want the downward API's %s", v, versionField)
	}
	if got := d.Spec.Template.Labels[versionLabel]; got != "0.0.0" {
		t.Errorf("pod label %s = %q, want the base's tag 0.0.0", versionLabel, got)
	}
	if d.Spec.ProgressDeadlineSeconds == nil || *d.Spec.ProgressDeadlineSeconds <= 30*60 {
		t.Errorf("progressDeadlineSeconds = %v, want more than RUNONCE_WAIT_TIMEOUT (30m): a long wait is not a failed rollout", d.Spec.ProgressDeadlineSeconds)
	}
	if s := env(spec.Containers[0], "RUNONCE_DSN"); s == nil || s.ValueFrom == nil || s.ValueFrom.SecretKeyRef == nil {
		t.Errorf("app container's RUNONCE_DSN = %+v, want it from the Secret, for kubectl exec ... runonce status", s)
	}
	if h := env(ic, "RUNONCE_HOLDER"); h == nil || h.ValueFrom == nil || h.ValueFrom.FieldRef == nil || h.ValueFrom.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("RUNONCE_HOLDER = %+v, want the downward API's metadata.name", h)
	}
	if s := env(ic, "RUNONCE_DSN"); s == nil || s.ValueFrom == nil || s.ValueFrom.SecretKeyRef == nil || s.ValueFrom.SecretKeyRef.Name != "app-db" {
		t.Errorf("RUNONCE_DSN = %+v, want it from Secret app-db", s)
	}
}

// The version runonce reads: the pod's release label, through the downward
// API (an image reference with a registry port or a digest cannot be split
// on ":" reliably).
const (
	versionLabel = "app.kubernetes.io/version"
	versionField = "metadata.labels['app.kubernetes.io/version']"
)

// The production overlay sets the image (from a registry with a port) and
// the release; runonce's version is the release, in step with the tag.
func TestOverlayReleaseBecomesVersion(t *testing.T) {
	d := strictDecode(t, build(t, "overlays/production"))
	ic := d.Spec.Template.Spec.InitContainers[0]
	if ic.Image != "registry.example.com:5000/team/app:1.4.2" {
		t.Errorf("initContainer image = %q, want the overlay's", ic.Image)
	}
	if v := env(ic, "RUNONCE_VERSION"); v == nil || v.ValueFrom == nil || v.ValueFrom.FieldRef == nil || v.ValueFrom.FieldRef.FieldPath != versionField {
		t.Errorf("RUNONCE_VERSION = %+v, want the downward API's %s", v, versionField)
	}
	tag := ic.Image[strings.LastIndex(ic.Image, ":")+1:]
	if got := d.Spec.Template.Labels[versionLabel]; got != tag {
		t.Errorf("pod label %s = %q, want the overlay's tag %q: keep the two in step", versionLabel, got, tag)
	}
	if got := d.Spec.Selector.MatchLabels[versionLabel]; got != "" {
		t.Errorf("the selector holds %s=%q: a selector is immutable, so every release would need a new Deployment", versionLabel, got)
	}
}
