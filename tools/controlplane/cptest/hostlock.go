package cptest

import (
	"sync"
	"testing"
	"time"
)

// host is this process's hold on the host's real-node test lock.
var host struct {
	sync.Mutex
	owner testing.TB
}

// HoldHost gives the test the host's real nodes to itself until it ends:
// no other test, in this test binary or another (a flock beside the node's
// folder), starts a real node meanwhile. It waits up to 10 minutes. A test
// that compares the host before and after a real node takes it before its
// first look, so that no other package's node comes and goes in between;
// [RealNode] takes it too (again in the same test is a no-op). Where no
// real node can run (not Linux) it does nothing.
func HoldHost(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		host.Lock()
		if host.owner == t {
			host.Unlock()
			return
		}
		if host.owner == nil {
			break
		}
		host.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("cptest: another test of this binary held the host's real node for 10 minutes")
		}
		time.Sleep(time.Second)
	}
	defer host.Unlock()
	release, err := lockHost(deadline)
	if err != nil {
		t.Fatalf("cptest: %v", err)
	}
	host.owner = t
	t.Cleanup(func() {
		release()
		host.Lock()
		host.owner = nil
		host.Unlock()
	})
}
