package runtimes_test

import (
	"testing"

	"github.com/bloglabs/posts/labs/runtimes"
)

func TestBackendLoopback(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"127.0.0.1:5432": true, "localhost:5432": true, "[::1]:5432": true,
		"db.example:5432": false, "10.0.0.3:5432": false, "no-port": false,
	} {
		if got := (runtimes.Backend{Addr: addr}).Loopback(); got != want {
			t.Errorf("Backend{Addr: %q}.Loopback() = %v, want %v", addr, got, want)
		}
	}
}
