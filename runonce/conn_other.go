//go:build !windows

package runonce

// platformRetryable: the syscall errors in retryable cover Unix.
var platformRetryable []error
