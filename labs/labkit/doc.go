// Package labkit is the race labs as a library: pick a [Lab], a runtime and
// a Postgres provider by typed name ([RuntimeName], [ProviderName]) from one
// [Table], and [Table.Run] checks the host, builds what the replicas run,
// starts the runtime and Postgres, runs the lab and returns its result. The
// lab CLI (labs/cmd/lab) and anything else that runs a lab call it, as kind's
// command calls its pkg/cluster.
//
// A table row says everything about its runtime or provider: its name, its
// line in the usage, the doctor's checks it needs before anything is built,
// what it must be given, and its constructor. Adding a runtime is adding a
// row. [Light] holds the rows that need neither Docker nor a cluster
// (process; embedded, dsn), so that a program built on it links none of
// their libraries; labs/labkit/full adds the rest (docker, kind, kubernetes;
// testcontainers), and labs/labkit/fullbuild hands a run from a command
// built without them to its build with them.
package labkit
