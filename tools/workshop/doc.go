// Package workshop reads and runs the workshop's exercises (docs/workshop):
// the steps of an exercise file, the checkpoint each one must show, and a
// runner that executes a step the way the workshop test does. The test
// (docs/workshop) and the room tools (tools/cmd/workshop: check, run,
// reset) share it, so that an attendee's check and CI agree on what a
// checkpoint means.
//
// An exercise's runnable steps are fenced ```sh blocks; the ```text block
// right after a step (only blank lines between) is its checkpoint: each
// non-empty line must appear in what the step printed. [ParseSteps] reads
// them, with the fence's attributes: exit=N (the status the step must end
// with; default 0), needs=docker or needs=kind (what the step cannot run
// without; [CannotRun] says whether this machine has it) and timeout=D
// (default [DefaultStepTimeout]). Other fences (```console, ```go, ```yaml)
// are illustrations and do not run.
//
// [Missing] matches a checkpoint against output: a checkpoint line matches
// an output line that contains it, once colour codes are dropped and runs
// of blanks count as one; … in a checkpoint line stands for anything within
// one line.
//
// [RunStep] runs a step with bash -e in a process group of its own, with
// $REPO set; [StopGroups] stops what steps left in the background (on
// systems without process groups, Windows, it does nothing: the exercises
// run under WSL2 there).
//
// The room tools build on these. An exercise works in the clone's
// out/workshop/NN ([Folder]). [RunExercise] runs every step there, as the
// test does, printing each step as if pasted, and keeps a [Record] of what
// each step printed and its exit status ([RecordFile]). [CheckRecord]
// judges such a record; [CheckText] judges a terminal's text (a script -q
// recording, or text saved from the terminal), dropping the echoed input;
// both give a [Report] with a line per step, what is missing and a hint.
// [Reset] stops what the exercises started from a folder and removes it.
// [WriteTranscripts] runs every exercise and writes its full output, for a
// laptop that fails. [Run] is the command, tools/cmd/workshop; it and this
// package import the standard library and this module only, so that they
// build offline in a room.
package workshop
