package docker_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/contract"
	"github.com/bloglabs/posts/labs/runtimes/docker"
)

// needEngine skips under -short or when no Docker engine answers.
func needEngine(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds an image and runs containers")
	}
	if exec.Command("docker", "version").Run() != nil {
		t.Skip("no Docker engine answers (install docker.io and start dockerd)")
	}
}

// The runtime contract, every scenario: each replica a container of the
// actor's scratch image on the runtime's network; the scenario's backend on
// this machine's loopback reached through the runtime's relay.
func TestContract(t *testing.T) {
	t.Parallel()
	needEngine(t)
	img := contract.ActorImage(t)
	contract.Run(t, contract.Target{New: func(t *testing.T, c contract.Config) contract.Runtime {
		rt := docker.New(docker.Options{Image: img, Backends: c.Backends, RestartPolicy: runtimes.RestartPolicy{
			BackoffInitial: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond, MaxRestarts: c.MaxRestarts}})
		if err := rt.Prepare(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeLeavesNothing(t, rt) })
		return rt
	}})
}

// closeLeavesNothing closes rt and checks that none of its containers, nor
// its network, is left.
func closeLeavesNothing(t *testing.T, rt *docker.Runtime) {
	t.Helper()
	net := rt.Network()
	if err := rt.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label="+docker.LabelNetwork+"="+net).Output()
	if strings.TrimSpace(string(out)) != "" {
		t.Errorf("containers left after Close: %s", out)
	}
	if exec.Command("docker", "network", "inspect", net).Run() == nil {
		t.Errorf("network %s left after Close", net)
	}
}

func TestMissingImage(t *testing.T) {
	t.Parallel()
	needEngine(t)
	rt := docker.New(docker.Options{Image: "bloglabs/no-such-image:0"})
	defer rt.Close()
	err := rt.Prepare(context.Background())
	if err == nil || !strings.Contains(err.Error(), "images:lab") {
		t.Errorf("Prepare with a missing image = %v, want an error naming go tool mage images:lab", err)
	}
}
