package runonce

import "syscall"

// Winsock reports a refused, reset or unreachable connection with its own
// codes, which syscall.ECONNREFUSED and the like do not match.
var platformRetryable = []error{
	syscall.Errno(10061), // WSAECONNREFUSED
	syscall.Errno(10054), // WSAECONNRESET
	syscall.Errno(10065), // WSAEHOSTUNREACH
	syscall.Errno(10051), // WSAENETUNREACH
}
