// Package workshop holds no code: it is the folder of the workshop kit
// (README.md, facilitator.md and the numbered exercises NN-name.md), and
// its test, TestWorkshop, runs every exercise as executable documentation.
//
// An exercise's runnable steps are fenced ```sh blocks; the ```text block
// right after a step is its checkpoint. The format, the matcher and the
// step runner live in tools/workshop, which the room tools (go tool mage
// workshop:check, workshop:run, workshop:reset) share with this test: see
// its package comment for the fence attributes (exit=N, needs=docker|kind,
// timeout=D) and how a checkpoint line matches.
//
// Each exercise runs in a fresh working directory under the repository's
// out/ folder (so that `go run "$REPO/..."` finds the module), with $REPO
// set to the repository's root; its steps run in order with bash -e, and
// the processes a step leaves in the background are stopped when the
// exercise ends. Before the first step, the test compiles every command the
// steps go run or go build from "$REPO/...", with a budget of its own, so
// that a step's timeout covers what the step does, not a cold compile.
package workshop
