// Package lint is the repository's lint, which `go tool mage lint` and CI
// run (through go run ./tools/cmd/lint): gofmt, then go vet, then
// staticcheck (pinned as a tool in go.mod) over every package, stopping at
// the first that finds something.
//
// With [Options.Race], vet and staticcheck compile the dependencies with
// -race, as `go test -race ./...` does, so the tests that follow reuse that
// build: one compile of every dependency instead of two (on a fresh machine,
// minutes). staticcheck itself is built without it, by go tool.
package lint
