// Package workshop holds no code: it is the folder of the workshop kit
// (README.md, facilitator.md and the numbered exercises NN-name.md), and
// its test, TestWorkshop, runs every exercise as executable documentation.
//
// An exercise's runnable steps are fenced ```sh blocks; the ```text block
// right after a step is its checkpoint. The format, the matcher and the
// step runner live in tools/workshop, which the room tools (go tool mage
// workshop:check, workshop:run, workshop:reset) share with this test: see
// its package comment for the fence attributes (exit=N, needs=docker|kind,
// timeout=D, id=NAME) and how a checkpoint line matches.
//
// What the prose claims about a step's output beyond its checkpoint (an
// order of events, a count, a bound) is written beside it as a claim
// comment (tools/workshop.Claim), evaluated against that step's output:
// the test fails when the labs change and the text stops being true.
//
// The fast tests (they run under -short) hold every ```sh block to the
// rules of a block attendees paste into an interactive shell on Linux or
// macOS (tools/workshop.PasteProblems: no exit, every wait bounded, no
// GNU-only tools), every exercise to its step 0 (it checks REPO and enters
// out/workshop/NN), and the exercises' minutes to the README's
// agenda.
//
// Each exercise runs in a fresh working directory under the repository's
// out/ folder (step 0 enters it in place of the attendee's folder) (so that `go run "$REPO/..."` finds the module), with $REPO
// set to the repository's root; its steps run in order with bash -e, and
// the processes a step leaves in the background are stopped when the
// exercise ends. Before the first step, the test compiles every command the
// steps go run or go build from "$REPO/...", with a budget of its own, so
// that a step's timeout covers what the step does, not a cold compile.
package workshop
