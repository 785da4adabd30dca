package runtimes

import "time"

// RestartPolicy is restartPolicy Always as a runtime that restarts
// containers itself (process, docker) applies it: a failing container is
// started again after a back-off that doubles from BackoffInitial to
// BackoffMax — the kubelet's CrashLoopBackOff (10 s doubling to 5 min)
// compressed so that a crash loop shows within a lab — until the pod has
// been restarted MaxRestarts times and gives up. On kind the kubelet itself
// restarts, with its own timings.
type RestartPolicy struct {
	// BackoffInitial is the wait before the first restart. Defaults to 200ms.
	BackoffInitial time.Duration
	// BackoffMax caps the doubling back-off. Defaults to 2s.
	BackoffMax time.Duration
	// MaxRestarts is how often a pod is restarted before it gives up.
	// Defaults to 5.
	MaxRestarts int
	// NoRestarts gives a pod up at its first failure (MaxRestarts is then
	// ignored): a zero MaxRestarts means the default.
	NoRestarts bool
}

// WithDefaults fills in the zero fields; with NoRestarts, MaxRestarts
// becomes 0.
func (p RestartPolicy) WithDefaults() RestartPolicy {
	if p.BackoffInitial <= 0 {
		p.BackoffInitial = 200 * time.Millisecond
	}
	if p.BackoffMax <= 0 {
		p.BackoffMax = 2 * time.Second
	}
	switch {
	case p.NoRestarts:
		p.MaxRestarts = 0
	case p.MaxRestarts <= 0:
		p.MaxRestarts = 5
	}
	return p
}
