//go:build !unix

package pause

// reap does nothing: pause runs only in Linux containers; this file lets
// the package type-check everywhere.
func reap() {}
