// Package simlab is the preemptible lab in the simulator, what `go tool mage
// lab:preemptible` and `cisim` run: scenarios (embedded by name, or YAML
// files of your own) simulated with package sim, then printed side by side
// (package report), with the chart and the results as JSON written where
// [Options] say.
//
// [Simulate] is the whole lab as one call; [Load] and [Results] are its two
// halves, for a program that wants the numbers.
package simlab
