package runtimes_test

import (
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/runtimes"
)

func TestRestartPolicyDefaults(t *testing.T) {
	t.Parallel()
	def := runtimes.RestartPolicy{BackoffInitial: 200 * time.Millisecond, BackoffMax: 2 * time.Second, MaxRestarts: 5}
	for _, tc := range []struct {
		name string
		in   runtimes.RestartPolicy
		want runtimes.RestartPolicy
	}{
		{"zero value: the defaults", runtimes.RestartPolicy{}, def},
		{"set fields stay", runtimes.RestartPolicy{BackoffInitial: time.Millisecond, BackoffMax: time.Second, MaxRestarts: 2},
			runtimes.RestartPolicy{BackoffInitial: time.Millisecond, BackoffMax: time.Second, MaxRestarts: 2}},
		{"no restarts", runtimes.RestartPolicy{NoRestarts: true},
			runtimes.RestartPolicy{BackoffInitial: def.BackoffInitial, BackoffMax: def.BackoffMax, NoRestarts: true}},
		{"no restarts beats a count", runtimes.RestartPolicy{NoRestarts: true, MaxRestarts: 3},
			runtimes.RestartPolicy{BackoffInitial: def.BackoffInitial, BackoffMax: def.BackoffMax, NoRestarts: true}},
	} {
		if got := tc.in.WithDefaults(); got != tc.want {
			t.Errorf("%s: WithDefaults() = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
