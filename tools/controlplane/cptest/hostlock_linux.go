package cptest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockHost takes the flock every test process's HoldHost takes, waiting
// until deadline.
func lockHost(deadline time.Time) (release func(), err error) {
	path := filepath.Join(os.TempDir(), "bloglabs-labnode-tests.lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("real-node test lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("real-node test lock %s (another test package's real node holds the host): %w", path, err)
		}
		time.Sleep(time.Second)
	}
}
