package kubernetes_test

import (
	"context"
	"io"
	"os/exec"
	"testing"
	"time"

	clientset "k8s.io/client-go/kubernetes"

	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/contract"
	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
	"github.com/bloglabs/posts/tools/controlplane"
	"github.com/bloglabs/posts/tools/controlplane/cptest"
	"github.com/bloglabs/posts/tools/controlplane/labnode"
)

// kwokNoContainers is why the scenarios that need a program skip on a
// control plane whose nodes are all kwok's.
const kwokNoContainers = "kwok nodes run no containers: kwok's stages set every pod's status from its spec alone, " +
	"so what the program does (crash, fail, be missing) never shows; every scenario runs on a real node " +
	"(TestContractOnARealNode)"

// The runtime contract, every scenario, on a real node of a local control
// plane (a kubelet and a containerd of its own): the actor's image loaded
// into the node as the lab's is (docker save, ctr import), real crashes,
// restarts, CrashLoopBackOff and init containers, and the scenario's
// backend on this machine's loopback reached through the runtime's relay on
// the node's bridge.
func TestContractOnARealNode(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a control plane and a real node")
	}
	if exec.Command("docker", "version").Run() != nil {
		t.Skip("no Docker engine answers (install docker.io and start dockerd): the actor's image is built into it, then saved into the node")
	}
	c := cptest.RealNode(t, controlplane.Options{})
	contract.Run(t, contractTarget(t, cptest.Client(t, c)))
}

// contractTarget is the Kubernetes runtime on cs as the contract runs it.
// On kwok nodes only the scenarios that need no program run (every pod is
// played Ready). On a local control plane's real node (labnode.Discover)
// every scenario runs, with the actor's image, loaded into the node before
// the scenarios start (they run in parallel: one import, not four).
func contractTarget(t *testing.T, cs clientset.Interface) contract.Target {
	target := contract.Target{NoContainers: kwokNoContainers, Timeout: 5 * time.Minute}
	opts := kubernetes.Options{Client: cs, Image: contract.ImageRepository + ":kwok"} // kwok never looks at it
	node, err := labnode.Discover(t.Context(), cs)
	if err != nil {
		t.Fatal(err)
	}
	if node != nil && node.Local() {
		target.NoContainers = ""
		opts.Image = contract.ActorImage(t)
		opts.ImageArchive = func(ctx context.Context) (io.ReadCloser, error) { return appimage.Save(ctx, opts.Image) }
		rt := kubernetes.New(opts)
		if err := rt.Prepare(t.Context()); err != nil {
			t.Fatalf("load the actor's image into node %s: %v", node.Node, err)
		}
		if has, err := node.HasImage(t.Context(), opts.Image); err != nil || !has {
			t.Fatalf("node %s has image %s: %v, %v; want it loaded by Prepare", node.Node, opts.Image, has, err)
		}
	}
	target.New = func(t *testing.T, c contract.Config) contract.Runtime {
		o := opts
		o.Restarts = runtimes.RestartPolicy{MaxRestarts: c.MaxRestarts}
		o.Backends = c.Backends
		rt := kubernetes.New(o)
		t.Cleanup(func() {
			if err := rt.Close(); err != nil {
				t.Errorf("close the runtime's relays: %v", err)
			}
		})
		return rt
	}
	return target
}
