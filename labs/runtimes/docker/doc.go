// Package docker is the lab runtime that runs each replica of a
// [spec.Deployment] as Docker containers of the lab image (labs/appimage):
// what a workshop laptop with Docker runs, and what CI runs for real.
//
// Semantics are the process runtime's, through the same code
// (runtime.RunPod): each pod's init containers run one after the other to
// completion, then its main container; a failing container is restarted
// after a back-off that doubles from 200 ms to 2 s until the pod has been
// restarted MaxRestarts times and gives up. The runtime restarts, not
// Docker: every attempt is a container of its own, named
// RUN-POD-CONTAINER-N, removed once it has exited and its log is read.
//
// All pods start together: every pod's first container is created first,
// then all are started at once — a start is one API call, a create
// several. The timeline's Started times are the engine's own (State.StartedAt).
//
// Networking: the runtime has a bridge network of its own (Prepare makes
// it, Close removes it). The lab's Postgres, a testcontainers container,
// starts on that network as "postgres" — joining later would cut the
// connections the lab already has to it, which Docker does (seen here).
// Replicas get the lab's DSNs with 127.0.0.1:PORT rewritten to
// postgres:5432 (runtime.RewriteAddrs); a server on this machine's loopback
// (the embedded Postgres) is relayed from the network's gateway, an address
// of this machine on Linux. Readiness is probed through a published port on
// 127.0.0.1.
//
// Why the Docker API (github.com/moby/moby/client, which testcontainers
// already brings) rather than the docker command: exit codes and log streams
// come back as data, a start is one HTTP call (so replicas are released
// within a few hundred milliseconds of each other on two cores), and the
// runtime finds the engine exactly as testcontainers does, so the replicas
// and Postgres always meet on the same one.
package docker
