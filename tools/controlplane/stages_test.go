package controlplane

import (
	"strings"
	"testing"
)

func TestStageConfig(t *testing.T) {
	defaults := DefaultStages()
	for _, name := range []string{"node-initialize", "node-heartbeat-with-lease", "pod-ready", "pod-complete", "pod-delete"} {
		if !strings.Contains(defaults[name], "name: "+name+"\n") {
			t.Errorf("default stage %s missing or misnamed: %q", name, defaults[name])
		}
	}
	replaced := `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-complete
spec: {replaced: true}
---
# a comment-only document is not a stage
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-extra
spec: {}
`
	got, err := stageConfig([]string{replaced})
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	if n := strings.Count(s, "kind: Stage"); n != 6 {
		t.Errorf("%d stages, want 6 (5 defaults, one replaced, one added):\n%s", n, s)
	}
	if !strings.Contains(s, "replaced: true") || strings.Contains(s, "ownerReferences.[].kind") {
		t.Errorf("pod-complete not replaced:\n%s", s)
	}

	for _, bad := range []string{"kind: Pod\napiVersion: v1\nmetadata: {name: x}\n", "apiVersion: kwok.x-k8s.io/v1alpha1\nkind: Stage\n", "{"} {
		if _, err := stageConfig([]string{bad}); err == nil {
			t.Errorf("stageConfig(%q) accepted it, want an error", bad)
		}
	}
}
