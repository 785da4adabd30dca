// Package testbuild lets a test that builds one of the module's commands
// (go build, or a command that runs go build itself, such as the labs'
// hand-over to their full builds) build it with the test binary's own
// flags. Under `go test -race ./...` every package the commands need is
// already being compiled with -race for the tests; a child build without
// -race compiled Kubernetes, kind and Docker a second time, from an empty
// build cache, while the rest of the run compiled beside it — and on a
// 2-core CI machine cisim's test ran past go test's 10-minute limit doing
// so. With the same flags the child finds those packages in the build
// cache. [Imports] says what a command's build links, for the tests that
// keep the light builds light.
package testbuild
