// Package crosscheck type-checks a module's packages, tests included, as
// they build for other systems (GOOS/GOARCH), so that a call that exists on
// Linux only cannot land unnoticed: CI runs it for macOS and Windows.
//
// It loads every package from source with golang.org/x/tools/go/packages
// and leaves out the function bodies of dependencies (their declarations
// are all the module's code needs). It needs no build cache: on a fresh
// machine it takes seconds per system (5-16 s here) where `go vet` with
// GOOS set compiles every dependency again for each system (about 7 minutes
// each on 2 cores).
package crosscheck
