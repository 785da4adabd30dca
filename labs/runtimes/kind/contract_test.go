package kind_test

import (
	"context"
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/contract"
	"github.com/bloglabs/posts/labs/runtimes/kind"
)

// The runtime contract on a kind cluster, every scenario, where kind can
// run; elsewhere each scenario skips with kind's own account of what this
// machine lacks (here: privileged containers and cgroup v2).
func TestContract(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: creates a kind cluster")
	}
	target := contract.Target{Timeout: 5 * time.Minute}
	if err := kind.CheckHost(t.Context()); err != nil {
		target.New = func(t *testing.T, _ contract.Config) contract.Runtime {
			t.Skipf("kind cannot run here: %v", err)
			return nil
		}
		contract.Run(t, target)
		return
	}
	img := contract.ActorImage(t)
	// One cluster for every scenario: each runtime finds it and reuses it.
	cluster := kind.RaceCluster("")
	created, err := kind.Up(t.Context(), cluster, 3*time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	if created {
		t.Cleanup(func() { _ = kind.Down(context.Background(), cluster.Name, nil) })
	}
	target.New = func(t *testing.T, c contract.Config) contract.Runtime {
		rt := kind.New(kind.Options{Cluster: cluster, Image: img, Restarts: runtimes.RestartPolicy{MaxRestarts: c.MaxRestarts}, Backends: c.Backends})
		t.Cleanup(func() {
			if err := rt.Close(); err != nil {
				t.Error(err)
			}
		})
		return rt
	}
	contract.Run(t, target)
}
