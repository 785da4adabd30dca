//go:build unix

package pause

import (
	"os"
	"os/signal"
	"syscall"
)

// reap waits for every child that ends: as a pod's PID 1, pause inherits
// the orphans of the pod's processes and must not leave them zombies.
func reap() {
	chld := make(chan os.Signal, 8)
	signal.Notify(chld, syscall.SIGCHLD)
	for range chld {
		for {
			var ws syscall.WaitStatus
			pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
