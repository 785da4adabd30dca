package kwoklab

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
// into dir, as lists without managedFields.
func (r *runner) record(ctx context.Context, dir string) error {
	pods, err := r.cs.CoreV1().Pods(r.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("kwok lab: record pods: %w", err)
	}
	nodes, err := r.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: LabelRun + "=" + r.runID})
	if err != nil {
		return fmt.Errorf("kwok lab: record nodes: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("kwok lab: %w", err)
	}
	// Lists, as `kubectl get pods -o yaml` prints them and the kind lab's
	// fixtures are read.
	pods.APIVersion, pods.Kind, pods.ResourceVersion = "v1", "PodList", ""
	nodes.APIVersion, nodes.Kind, nodes.ResourceVersion = "v1", "NodeList", ""
	for i := range pods.Items {
		pods.Items[i].ManagedFields = nil
	}
	for i := range nodes.Items {
		nodes.Items[i].ManagedFields = nil
	}
	var pb, nb bytes.Buffer
	if err := appendYAML(&pb, pods); err != nil {
		return err
	}
	if err := appendYAML(&nb, nodes); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "pods.yaml"), pb.Bytes(), 0o644); err != nil {
		return fmt.Errorf("kwok lab: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "nodes.yaml"), nb.Bytes(), 0o644); err != nil {
		return fmt.Errorf("kwok lab: %w", err)
	}
	return nil
}

func appendYAML(b *bytes.Buffer, obj any) error {
	data, err := yaml.Marshal(obj)
	if err != nil {
		return fmt.Errorf("kwok lab: %w", err)
	}
	b.Write(data)
	return nil
}
