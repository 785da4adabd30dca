package contract

import (
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
)

// Target is a runtime under test and what it can do.
type Target struct {
	// New returns a runtime for one scenario, configured as c says, and
	// removes what it made with t.Cleanup. Scenarios run in parallel.
	New func(t *testing.T, c Config) Runtime
	// NoContainers, when not "", says why the runtime runs no programs (a
	// cluster of kwok nodes plays every pod Ready from its spec alone):
	// the scenarios that need a program's behaviour skip with it.
	NoContainers string
	// StartsAtRelease: the runtime reports every pod's first start at the
	// release instant itself (the process runtime's start gate); others
	// report it at or after the release.
	StartsAtRelease bool
	// Timeout bounds each scenario. Defaults to 2 minutes.
	Timeout time.Duration
}

// Config is what a scenario asks of the runtime.
type Config struct {
	// MaxRestarts: a pod restarted this often gives up. Always at least 1.
	MaxRestarts int
	// Backends are the servers the replicas connect to: the scenario's own,
	// on this machine's loopback, as the lab's Postgres often is. The
	// runtime must route the replicas to them (docker and a local
	// Kubernetes node relay them).
	Backends []runtimes.Backend
}

// Scenario is one behaviour every runtime shows.
type Scenario struct {
	Name string
	// NeedsContainers: the scenario depends on what the program does.
	NeedsContainers bool
	run             func(t *testing.T, target Target)
}

// Scenarios are the contract, in the order Run runs them.
func Scenarios() []Scenario {
	return []Scenario{
		{Name: "ReleasedTogether", run: releasedTogether},
		{Name: "CrashLoopThenGiveUp", NeedsContainers: true, run: crashLoopThenGiveUp},
		{Name: "InitRestartsThenReady", NeedsContainers: true, run: initRestartsThenReady},
		{Name: "MissingProgram", NeedsContainers: true, run: missingProgram},
	}
}

// Run runs every scenario against target, each as a parallel subtest of t.
func Run(t *testing.T, target Target) {
	if target.Timeout <= 0 {
		target.Timeout = 2 * time.Minute
	}
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			if sc.NeedsContainers && target.NoContainers != "" {
				t.Skip(target.NoContainers)
			}
			sc.run(t, target)
		})
	}
}
