package kubernetes_test

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientset "k8s.io/client-go/kubernetes"

	"github.com/bloglabs/posts/internal/kube"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/contract"
	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
)

// kwokNoContainers is why the scenarios that need a program skip on a
// control plane whose nodes are all kwok's.
const kwokNoContainers = "kwok nodes run no containers: kwok's stages set every pod's status from its spec alone, " +
	"so what the program does (crash, fail, be missing) never shows; the contract runs these scenarios " +
	"where the cluster has a real (non-kwok) Ready node"

// contractTarget is the Kubernetes runtime on cs as the contract runs it.
// On kwok nodes only the scenarios that need no program run (every pod is
// played Ready); with a real Ready node every scenario runs, with the
// actor's image, which that node must have (it is never pulled), and the
// scenarios' servers on bridgeHost, an address of this machine pods reach.
func contractTarget(t *testing.T, cs clientset.Interface, bridgeHost string) contract.Target {
	target := contract.Target{NoContainers: kwokNoContainers, Timeout: 5 * time.Minute}
	image := contract.ImageRepository + ":kwok" // kwok never looks at it
	if realNode(t, cs) {
		target.NoContainers = ""
		target.BackendHost = bridgeHost
		image = contract.ActorImage(t)
	}
	target.New = func(t *testing.T, c contract.Config) contract.Runtime {
		return kubernetes.New(kubernetes.Options{Client: cs, Image: image, Restarts: runtimes.RestartPolicy{MaxRestarts: c.MaxRestarts}, Backends: c.Backends})
	}
	return target
}

// realNode says whether the cluster has a Ready node that kwok does not
// play.
func realNode(t *testing.T, cs clientset.Interface) bool {
	t.Helper()
	nodes, err := cs.CoreV1().Nodes().List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		if _, kwok := n.Annotations["kwok.x-k8s.io/node"]; !kwok && kube.NodeReady(n) {
			return true
		}
	}
	return false
}
