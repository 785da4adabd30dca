package kubernetes_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/internal/golden"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
)

// readPods reads the successive pod objects of a scenario, strictly: a
// field a Pod does not have is a mistake in the recording.
func readPods(t *testing.T, path string) []*corev1.Pod {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pods []*corev1.Pod
	for i, doc := range strings.Split(string(b), "\n---\n") {
		var p corev1.Pod
		if err := yaml.UnmarshalStrict([]byte(doc), &p); err != nil {
			t.Fatalf("%s, document %d: %v", path, i+1, err)
		}
		pods = append(pods, &p)
	}
	return pods
}

// Each scenario's pod objects, fed to a tracker one second apart, give the
// events in its golden file.
func TestPodTrackerFromRecordedPods(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "pods", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios in testdata/pods: %v", err)
	}
	base := time.Date(2026, 11, 26, 2, 10, 0, 0, time.UTC)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			tr := kubernetes.NewPodTracker(3, 2)
			var out bytes.Buffer
			for i, p := range readPods(t, f) {
				for _, e := range tr.Update(p, base.Add(time.Duration(i)*time.Second)) {
					fmt.Fprintf(&out, "+%.0fs replica=%d pod=%s %s", e.Time.Sub(base).Seconds(), e.Replica, e.Pod, e.Kind)
					if e.Container != "" {
						fmt.Fprintf(&out, " container=%s init=%v attempt=%d", e.Container, e.Init, e.Attempt)
					}
					if e.Kind == "crashed" || e.Kind == "init-done" {
						fmt.Fprintf(&out, " exit=%d", e.ExitCode)
					}
					if e.Detail != "" {
						fmt.Fprintf(&out, " detail=%q", e.Detail)
					}
					out.WriteString("\n")
				}
			}
			golden.Assert(t, filepath.Join("pods", name+".events"), out.Bytes())
		})
	}
}

// Feeding the same pod twice reports nothing new: updates repeat (resyncs,
// changes elsewhere in the object).
func TestPodTrackerIsIdempotent(t *testing.T) {
	t.Parallel()
	pods := readPods(t, filepath.Join("testdata", "pods", "fix-ran.yaml"))
	tr := kubernetes.NewPodTracker(0, 5)
	now := time.Now()
	for _, p := range pods {
		tr.Update(p, now)
		if again := tr.Update(p, now); len(again) != 0 {
			t.Errorf("a repeated update gave %v", again)
		}
	}
}
