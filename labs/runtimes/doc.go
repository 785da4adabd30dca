// Package runtimes holds what every lab runtime shares with the lab: the
// [Event] a runtime reports for each replica (started, init done, crashed,
// restarted, ready, gave up, and every line the replica wrote), whatever
// runs the replicas, with its [EventKind]; the [RestartPolicy] of the
// runtimes that restart containers themselves; and the [Backend] replicas
// connect to.
//
// The lab engine (labs/engine) defines the Runtime interface it consumes; the
// implementations live beside this package: process (each replica a local
// process), docker (containers of the lab image), kubernetes (a Deployment on
// any cluster) and kind (kind's provisioning in front of kubernetes). A
// runtime knows nothing about the demo app: it reports exit codes, readiness
// from the spec's HTTP probe, and output lines, which is what `kubectl logs`,
// `docker logs` and a pipe all give. The lab reads the app's own events
// (migrated, skipped, waited) from those lines.
//
// Every runtime passes one contract, written once in labs/runtimes/contract
// (release together, crash loop then give up, init restarts then ready, a
// missing program). What only the runtimes use — a pod's life under
// restartPolicy Always, the release, output lines and the readiness probe —
// is in labs/runtimes/internal/pods.
package runtimes
