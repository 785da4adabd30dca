// Package runtimes holds what every lab runtime shares: the [Event] a runtime
// reports for each replica (started, init done, crashed, restarted, ready,
// gave up, and every line the replica wrote), whatever runs the replicas.
//
// The lab engine (labs/engine) defines the Runtime interface it consumes; the
// implementations live beside this package: process (each replica a local
// process), docker (containers of the lab image), kubernetes (a Deployment on
// any cluster) and kind (kind's provisioning in front of kubernetes). A runtime knows nothing about the demo app: it reports exit
// codes, readiness from the spec's HTTP probe, and output lines, which is
// what `kubectl logs`, `docker logs` and a pipe all give. The lab reads the
// app's own events (migrated, skipped, waited) from those lines.
//
// What the runtimes share lives here too: [RunPod], a pod's life under
// restartPolicy Always (init containers in order, restarts with back-off,
// giving up) for the runtimes that restart containers themselves (process,
// docker); [Lines] and [ProbeHTTP] for output and readiness; and [Backend]
// with [RewriteAddrs], how a runtime that runs replicas in containers
// points them at the lab's Postgres.
package runtimes
