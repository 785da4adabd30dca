package live_test

import (
	"context"
	"fmt"

	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/live"
	"github.com/bloglabs/posts/labs/report"
)

// A lab shown live: the server is the engine's observer, and ends with
// the lab's result.
func ExampleLive() {
	s, err := live.Live("127.0.0.1:0", "race")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close(context.Background())
	cfg := engine.Config{Observe: s.Observe /* , Runtime: ..., Postgres: ... */}
	_ = cfg // res, err := engine.Race(ctx, cfg)
	s.End(&report.Result{Lab: "race", Verdict: "race reproduced"}, nil)
	fmt.Println(s.Hub().Len(), "messages: the lab, then the end")
	// Output: 2 messages: the lab, then the end
}

// A recorded run, loaded for a replay.
func ExampleLoad() {
	v, err := live.Load("../../docs/runs/fix.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	r := v.(*report.Result)
	fmt.Println(r.Lab, len(r.ReplicaOutcomes), "replicas, showed:", r.Showed)
	// Output: fix 5 replicas, showed: true
}
