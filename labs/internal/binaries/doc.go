// Package binaries builds the programs a lab's replicas run (the demo app,
// runonce) from this module's source with `go build`, into a cache folder.
// Go's build cache makes a repeat build take about a second.
//
// It works wherever the lab starts inside the module — `go tool mage` from the
// root, `go run ./labs/cmd/lab` from anywhere below it — by walking up from
// the working directory to the module's go.mod.
package binaries
