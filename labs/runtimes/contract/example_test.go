package contract_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/contract"
	"github.com/bloglabs/posts/labs/runtimes/process"
)

// A runtime's test runs the contract with a Target: how to make the runtime
// for a scenario, and what it cannot do.
func ExampleRun() {
	_ = func(t *testing.T) {
		bin := contract.ActorDir(t)
		contract.Run(t, contract.Target{New: func(t *testing.T, c contract.Config) contract.Runtime {
			return process.New(process.Options{BinDir: bin, RestartPolicy: runtimes.RestartPolicy{MaxRestarts: c.MaxRestarts}})
		}})
	}
}

// A Recorder keeps what a runtime reports; Story is a replica's events as
// the scenarios compare them.
func ExampleRecorder() {
	rec := contract.NewRecorder()
	t0 := time.Now()
	rec.Sink(runtimes.Event{Time: t0, Replica: -1, Kind: runtimes.Released})
	rec.Sink(runtimes.Event{Time: t0, Replica: 0, Pod: "web-0", Kind: runtimes.Started, Container: "app"})
	rec.Sink(runtimes.Event{Replica: 0, Pod: "web-0", Kind: runtimes.Output, Container: "app", Detail: "serving"})
	rec.Sink(runtimes.Event{Replica: 0, Pod: "web-0", Kind: runtimes.Ready, Container: "app"})
	fmt.Println(rec.Story(0))
	fmt.Println(rec.Count(runtimes.Output), "output line")
	// Output:
	// started/app ready/app
	// 1 output line
}
