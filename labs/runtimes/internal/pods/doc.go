// Package pods is the machinery the lab runtimes share and nobody else
// needs: [RunAll] runs every replica of a Deployment and releases them
// together (each pod holds a [Ticket]); [Run] is one pod's life under
// restartPolicy Always (init containers in order, restarts with back-off,
// giving up) for the runtimes that restart containers themselves (process,
// docker); [Lines], [OpenLog] and [ProbeHTTP] turn a container's output and
// readiness into events; [RewriteAddrs] points the replicas' environment at
// the address a runtime routes a [runtimes.Backend] to.
//
// It is internal so that labs/runtimes' door stays small: the lab engine
// sees events, backends and restart policies, not how a runtime makes them.
package pods
