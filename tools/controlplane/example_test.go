package controlplane_test

import (
	"context"
	"fmt"
	"log"
	"os"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/bloglabs/posts/internal/kube"
	"github.com/bloglabs/posts/tools/controlplane"
)

// Build once (minutes the first time, instant after), then start a control
// plane with one kwok node and talk to it with client-go.
func Example() {
	ctx := context.Background()
	bins, err := controlplane.Build(ctx, controlplane.BuildOptions{})
	if err != nil {
		log.Fatal(err)
	}
	c, err := controlplane.Start(ctx, controlplane.Options{
		Binaries: bins,
		Nodes:    []*corev1.Node{controlplane.Node("worker-1", map[string]string{"pool": "general"})},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	cs, err := c.Client()
	if err != nil {
		log.Fatal(err)
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range nodes.Items {
		fmt.Println(n.Name, kube.NodeReady(&n))
	}
	fmt.Fprintln(os.Stderr, "kubectl --kubeconfig", c.Kubeconfig(), "get nodes")
}
