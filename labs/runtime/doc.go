// Package runtime holds what every lab runtime shares: the [Event] a runtime
// reports for each replica (started, init done, crashed, restarted, ready,
// gave up, and every line the replica wrote), whatever runs the replicas.
//
// The lab engine (labs/lab) defines the Runtime interface it consumes; the
// implementations live beside this package: process (each replica a local
// process) now, docker and kind later. A runtime knows nothing about the demo
// app: it reports exit codes, readiness from the spec's HTTP probe, and output
// lines, which is what `kubectl logs`, `docker logs` and a pipe all give. The
// lab reads the app's own events (migrated, skipped, waited) from those lines.
package runtime
