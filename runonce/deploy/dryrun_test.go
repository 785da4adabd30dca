package deploy_test

import (
	"os"
	"testing"

	"github.com/bloglabs/posts/tools/controlplane"
	"github.com/bloglabs/posts/tools/controlplane/cptest"
)

func TestMain(m *testing.M) { cptest.Main(m) }

// The kustomize builds (base and production overlay), and the Secret the
// README tells you to create, as a real API server sees them: created with
// server-side dry run and strict field validation (defaulting, validation
// and admission run; unknown fields are errors; nothing is stored).
func TestManifestsPassServerDryRun(t *testing.T) {
	t.Parallel()
	c := cptest.Shared(t)
	ns := cptest.Namespace(t)
	secret, err := os.ReadFile("base/secret.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string][]byte{
		"base":                     build(t, "base"),
		"overlays/production":      build(t, "overlays/production"),
		"base/secret.example.yaml": secret,
	} {
		if err := controlplane.DryRun(t.Context(), c.RESTConfig(), ns, m); err != nil {
			t.Errorf("%s: the API server rejects it:\n%v", name, err)
		}
	}
}
