//go:build windows

package pgtemp

import "syscall"

// sysProcAttr is never used on Windows: [Start] refuses first (see
// checkPlatform). It exists so the package, and everything that imports it,
// builds there.
func sysProcAttr(*account) *syscall.SysProcAttr { return nil }

// checkPlatform refuses Windows: pgtemp relies on unix sockets, signals for
// the shutdown modes and POSIX file ownership, none of which Windows has.
func checkPlatform() error { return ErrWindows }
