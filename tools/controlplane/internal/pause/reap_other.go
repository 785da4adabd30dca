//go:build !unix

package main

// reap does nothing: pause runs only in Linux containers; this file lets
// the package type-check everywhere.
func reap() {}
