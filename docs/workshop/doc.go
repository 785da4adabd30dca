// Package workshop holds no code: it is the folder of the workshop kit
// (README.md, facilitator.md and the numbered exercises NN-name.md), and
// its test, TestWorkshop, runs every exercise as executable documentation.
//
// An exercise's runnable steps are fenced ```sh blocks; the ```text block
// right after a step is its checkpoint: each non-empty line must appear in
// what the step printed (stdout and stderr together; runs of blanks count as
// one, and … stands for anything within one line). A step's fence may carry
// attributes: exit=N (the exit status the step must end with; default 0),
// needs=docker or needs=kind (the step is skipped, with the reason, where
// those cannot run) and timeout=D (default 3m). Other fences (```console,
// ```go, ```yaml) are illustrations and do not run.
//
// Each exercise runs in a fresh working directory under the repository's
// out/ folder (so that `go run "$REPO/..."` finds the module), with $REPO
// set to the repository's root; its steps run in order with bash -e, and
// the processes a step leaves in the background are stopped when the
// exercise ends. Before the first step, the test compiles every command the
// steps go run or go build from "$REPO/...", with a budget of its own, so
// that a step's timeout covers what the step does, not a cold compile.
package workshop
