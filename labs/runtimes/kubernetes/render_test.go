package kubernetes_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/internal/golden"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
)

// strictDecode decodes y with client-go's scheme, failing on any field the
// API does not know: what the API server would reject.
func strictDecode(t *testing.T, y []byte) any {
	t.Helper()
	s := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme.Scheme, scheme.Scheme, json.SerializerOptions{Yaml: true, Strict: true})
	obj, _, err := s.Decode(y, nil, nil)
	if err != nil {
		t.Fatalf("strict decode: %v\n%s", err, y)
	}
	return obj
}

const fakeDSN = "postgres://postgres:not-a-real-password@172.18.0.3:5432/lab_fix_abc123?sslmode=disable"

// The fix lab's spec, rendered: the Deployment of runonce/deploy's shape,
// and the Secret holding the DSN.
func TestRenderFixDeployment(t *testing.T) {
	t.Parallel()
	d, err := engine.Runonce.Deployment(engine.Params{Replicas: 5, DSN: fakeDSN, Backfill: 1500 * time.Millisecond, CreateIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	dep, secret, err := kubernetes.Render(d, kubernetes.RenderOptions{Namespace: "lab-demo-x1", Image: "bloglabs/lab:83491acfbd34"})
	if err != nil {
		t.Fatal(err)
	}
	dy, err := yaml.Marshal(dep)
	if err != nil {
		t.Fatal(err)
	}
	sy, err := yaml.Marshal(secret)
	if err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, "fix-deployment.yaml", dy)
	golden.Assert(t, "fix-secret.yaml", sy)

	got, ok := strictDecode(t, dy).(*appsv1.Deployment)
	if !ok {
		t.Fatalf("decoded %T, want a Deployment", got)
	}
	if _, ok := strictDecode(t, sy).(*corev1.Secret); !ok {
		t.Fatal("the secret does not decode as a Secret")
	}
	ps := got.Spec.Template.Spec
	if *got.Spec.Replicas != 5 || len(ps.InitContainers) != 1 || len(ps.Containers) != 1 {
		t.Fatalf("replicas %d, %d init containers, %d containers; want 5, 1, 1", *got.Spec.Replicas, len(ps.InitContainers), len(ps.Containers))
	}
	ic := ps.InitContainers[0]
	sep := slices.Index(ic.Command, "--")
	if ic.Command[0] != "runonce" || sep < 0 || !slices.Equal(ic.Command[sep+1:], []string{"demoapp", "migrate"}) {
		t.Errorf("init command %q, want runonce ... -- demoapp migrate", ic.Command)
	}
	for _, c := range append(ps.InitContainers, ps.Containers...) {
		if c.ImagePullPolicy != corev1.PullIfNotPresent {
			t.Errorf("%s: imagePullPolicy %s; images are loaded into the nodes, never pulled", c.Name, c.ImagePullPolicy)
		}
		if c.Env[0].Name != "POD_NAME" || c.Env[0].ValueFrom == nil || c.Env[0].ValueFrom.FieldRef.FieldPath != "metadata.name" {
			t.Errorf("%s: first variable %+v, want POD_NAME from metadata.name (runonce's holder refers to it)", c.Name, c.Env[0])
		}
		for _, e := range c.Env {
			if strings.Contains(e.Value, "not-a-real-password") {
				t.Errorf("%s: %s holds the password in the Deployment; it belongs in the Secret", c.Name, e.Name)
			}
		}
	}
	app := ps.Containers[0]
	if app.ReadinessProbe == nil || app.ReadinessProbe.HTTPGet.Path != "/readyz" || app.ReadinessProbe.PeriodSeconds != 1 {
		t.Errorf("readiness probe %+v, want GET /readyz every second", app.ReadinessProbe)
	}
	if secret.StringData["DATABASE_URL"] != fakeDSN {
		t.Errorf("secret DATABASE_URL = %q", secret.StringData["DATABASE_URL"])
	}
}

// The race lab has no init container and no secret-worthy variable but the
// DSN; rendering must not need more than the spec.
func TestRenderRaceDeployment(t *testing.T) {
	t.Parallel()
	d, err := engine.NoLock.Deployment(engine.Params{Replicas: 3, DSN: fakeDSN, Backfill: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	dep, _, err := kubernetes.Render(d, kubernetes.RenderOptions{Image: "bloglabs/lab:x"})
	if err != nil {
		t.Fatal(err)
	}
	y, _ := yaml.Marshal(dep)
	golden.Assert(t, "race-deployment.yaml", y)
	strictDecode(t, y)
	if _, _, err := kubernetes.Render(d, kubernetes.RenderOptions{}); err == nil {
		t.Error("Render without an image succeeded")
	}
}
