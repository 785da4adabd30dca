//go:build !unix

package process

import (
	"errors"
	"os/exec"
	"syscall"
	"time"
)

// ErrNeedsUnix is what the process runtime says on Windows: it starts each
// replica behind a /bin/sh gate and stops it by signalling its process
// group, neither of which Windows has.
var ErrNeedsUnix = errors.New("process runtime: replicas run as Unix processes (a /bin/sh start gate, process groups, signals), which Windows does not have: run the lab inside WSL2 (wsl --install, then the same go tool mage command in the WSL shell), or use --runtime docker (LABS_RUNTIME=docker)")

// CheckHost reports whether the process runtime can run here: not on
// Windows ([ErrNeedsUnix]). It is a run-time answer, not a build failure, so
// that the lab command builds everywhere and says what to do.
func CheckHost() error { return ErrNeedsUnix }

func sysProcAttr() *syscall.SysProcAttr { return nil }

// stop is never reached here (Run refuses first); it kills the process.
func stop(cmd *exec.Cmd, _ time.Duration, _ <-chan struct{}) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
