package live

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// record writes the variant's pods and the cluster's nodes as they are now
// into dir, as multi-document YAML without managedFields.
func (r *runner) record(ctx context.Context, dir string) error {
	pods, err := r.cs.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("live lab: record pods: %w", err)
	}
	nodes, err := r.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: LabelRun + "=" + r.runID})
	if err != nil {
		return fmt.Errorf("live lab: record nodes: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("live lab: %w", err)
	}
	var pb, nb bytes.Buffer
	for i := range pods.Items {
		p := pods.Items[i]
		p.ManagedFields = nil
		p.APIVersion, p.Kind = "v1", "Pod"
		if err := appendYAML(&pb, &p); err != nil {
			return err
		}
	}
	for i := range nodes.Items {
		n := nodes.Items[i]
		n.ManagedFields = nil
		n.APIVersion, n.Kind = "v1", "Node"
		if err := appendYAML(&nb, &n); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "pods.yaml"), pb.Bytes(), 0o644); err != nil {
		return fmt.Errorf("live lab: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nodes.yaml"), nb.Bytes(), 0o644); err != nil {
		return fmt.Errorf("live lab: %w", err)
	}
	return nil
}

func appendYAML(b *bytes.Buffer, obj any) error {
	data, err := yaml.Marshal(obj)
	if err != nil {
		return fmt.Errorf("live lab: %w", err)
	}
	b.WriteString("---\n")
	b.Write(data)
	return nil
}
