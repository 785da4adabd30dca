//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package app

import (
	"syscall"
	"unsafe"
)

// isTerminal is whether fd is a terminal: whether it has terminal
// attributes, as isatty(3) asks.
func isTerminal(fd uintptr) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, ioctlGetTermios, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}
