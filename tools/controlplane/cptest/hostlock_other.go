//go:build !linux

package cptest

import "time"

// lockHost does nothing: real nodes run on Linux only.
func lockHost(time.Time) (func(), error) { return func() {}, nil }
