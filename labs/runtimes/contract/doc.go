// Package contract is the behaviour every lab runtime shows, written once and
// run against each of them (after river's riverdriver/riverdrivertest and
// goose's lock/locktesting): replicas released together, a crash loop that
// gives up, an init container restarted until it succeeds and then a ready
// app, and a missing program reported as a crash that names it.
//
// A runtime's test calls [Run] with a [Target]: how to make the runtime for
// a scenario, and what it cannot do (a cluster of kwok nodes runs no
// programs: the scenarios that need one skip and say why). Every scenario
// deploys the same program, [Actor] (cmd/actor), built for this machine by
// [ActorDir] or into a scratch image by [ActorImage]. [Recorder] and
// [RunUntil] are the runtimes' own tests' tools too.
package contract
