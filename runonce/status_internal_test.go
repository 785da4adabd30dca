package runonce

import (
	"slices"
	"testing"
	"time"
)

// Issue 21 item 5: a runonce process that polls is a waiter; one silent
// past StalledAfter (frozen, hung) is stalled, named by its newest ledger
// row; the holder's two sessions are one process.
func TestSortSessions(t *testing.T) {
	t.Parallel()
	const key = 42
	sess := func(holder, addr string, port int, silent time.Duration) Session {
		return Session{ApplicationName: applicationName(key, holder), ClientAddr: addr, ClientPort: port, Silent: silent}
	}
	sessions := []Session{
		sess("bob", "10.0.0.2", 4001, 0),                // bob's ledger session
		sess("alice", "10.0.0.1", 5001, 30*time.Second), // frozen alice's ledger session
		sess("bob", "10.0.0.2", 4002, 0),                // bob's lock session: holds
		sess("carol", "10.0.0.3", 6001, 10*time.Second), // carol's ledger session, idle...
		sess("carol", "10.0.0.3", 6002, time.Second),    // ...her lock session polls
	}
	runs := []Run{
		{Holder: "bob", Status: RunStateRunning, ProcessID: 20, Host: "node-b"},
		{Holder: "alice", Status: RunStateAbandoned, ProcessID: 10, Host: "node-a"},
		{Holder: "carol", Status: RunStateFailed, ProcessID: 30, Host: "node-c"},
	}
	holder, waiters, stalled := sortSessions(sessions, 2, runs, key)
	if holder == nil || holder.Holder != "bob" || holder.ClientPort != 4002 || holder.ProcessID != 20 || holder.Host != "node-b" {
		t.Errorf("holder = %+v, want bob's lock session (port 4002), process 20 on node-b", holder)
	}
	if len(waiters) != 1 || waiters[0].Holder != "carol" || waiters[0].Silent != time.Second || waiters[0].ProcessID != 0 {
		t.Errorf("waiters = %+v, want carol alone, silent 1s, no process (her row is an earlier run's)", waiters)
	}
	if len(stalled) != 1 || stalled[0].Holder != "alice" || stalled[0].ProcessID != 10 || stalled[0].Host != "node-a" {
		t.Errorf("stalled = %+v, want alice, process 10 on node-a", stalled)
	}
	if holder.Stalled {
		t.Errorf("holder silent 0s marked stalled")
	}
	// A holder is stalled after two of its heartbeats (2×lease/5), by the
	// lease its row records: 7 s silent is alive with a 30 s lease (a
	// heartbeat every 6 s), not with the default 15 s.
	silent := slices.Clone(sessions)
	silent[0].Silent, silent[2].Silent = 7*time.Second, 7*time.Second
	for _, tc := range []struct {
		lease time.Duration
		want  bool
	}{{30 * time.Second, false}, {0, true}, {5 * time.Second, true}} {
		runs[0].Lease = tc.lease
		if h, _, _ := sortSessions(silent, 2, runs, key); h.Stalled != tc.want {
			t.Errorf("holder silent 7s with lease %v: stalled %v, want %v", tc.lease, h.Stalled, tc.want)
		}
	}
	if h, w, s := sortSessions(sessions[:2], -1, nil, key); h != nil || len(w) != 1 || len(s) != 1 {
		t.Errorf("no holder: got holder %v, %d waiters, %d stalled; want none, bob, alice", h, len(w), len(s))
	}
}
