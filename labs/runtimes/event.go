package runtimes

import "time"

// EventKind says what happened to a replica. (Not the kind runtime: that
// is labs/runtimes/kind.)
type EventKind string

// Event kinds a runtime reports.
const (
	// Released is the instant all replicas were let go together
	// (Replica is -1). Times in a timeline count from it.
	Released EventKind = "released"
	// Started: a container's first process started (held at the start gate
	// until Released when it is the pod's first).
	Started EventKind = "started"
	// InitDone: an init container exited 0.
	InitDone EventKind = "init-done"
	// Crashed: a container exited non-zero, or the main container exited
	// at all (it is meant to run until stopped). ExitCode says how.
	Crashed EventKind = "crashed"
	// Restarted: a container started again after a crash and a back-off.
	Restarted EventKind = "restarted"
	// Ready: the main container's readiness probe succeeded.
	Ready EventKind = "ready"
	// GaveUp: the pod crashed more often than the runtime's restart bound;
	// on Kubernetes it would sit in CrashLoopBackOff.
	GaveUp EventKind = "gave-up"
	// Output is one line the container wrote (Stream says where).
	Output EventKind = "output"
)

// Event kinds the lab derives from the app's own output lines.
const (
	// Ran: the replica started the one-time step (the demo app's backfill).
	Ran EventKind = "ran"
	// Migrated: the replica applied migrations (Detail lists them).
	Migrated EventKind = "migrated"
	// Skipped: the replica found nothing to do.
	Skipped EventKind = "skipped"
	// Waited: the replica waited for a lock (Detail says how long).
	Waited EventKind = "waited"
	// Failed: the app reported the error it is about to exit with.
	Failed EventKind = "error"
)

// Event is one thing that happened to one replica.
type Event struct {
	Time time.Time
	// Replica is the replica's index, -1 for Released.
	Replica int
	// Pod is the replica's name (spec.Deployment.PodName).
	Pod  string
	Kind EventKind
	// Container is the container the event is about, "" for pod-level ones.
	Container string
	// Init says whether Container is an init container.
	Init bool
	// Attempt counts the container's starts, from 0.
	Attempt int
	// ExitCode is set for Crashed and InitDone: the exit status, or 128+N
	// when killed by signal N, or -1 when the program could not start.
	ExitCode int
	// Stream is "stdout" or "stderr" for Output.
	Stream string
	// Detail is free text: an output line, an error, a back-off.
	Detail string
}
