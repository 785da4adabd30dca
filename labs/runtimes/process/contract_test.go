//go:build unix

package process_test

import (
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/contract"
	"github.com/bloglabs/posts/labs/runtimes/process"
)

// The runtime contract, every scenario: each replica a process of this
// machine, the actor found in BinDir.
func TestContract(t *testing.T) {
	t.Parallel()
	bin := contract.ActorDir(t)
	contract.Run(t, contract.Target{
		New: func(t *testing.T, c contract.Config) contract.Runtime {
			// The backends are on this machine, where the processes are.
			return process.New(process.Options{BinDir: bin, RestartPolicy: runtimes.RestartPolicy{
				BackoffInitial: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond, MaxRestarts: c.MaxRestarts}})
		},
		StartsAtRelease: true,
	})
}
