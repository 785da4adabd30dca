// Package faults is runonce's fault suite: real runonce processes against a
// real PostgreSQL (tools/pgtemp), with the faults that peers' issue trackers
// are full of — a holder killed or deleted mid-step, a holder partitioned
// from the database (tools/netfault), the database restarted or not yet up,
// a step that fails, CREATE INDEX CONCURRENTLY behind ten waiters, PgBouncer
// in transaction and session mode, a hot standby, 100–300 replicas against
// a small max_connections — and a randomized soak that mixes them.
//
// It has no code of its own, only tests. Every case asserts that
//   - no two steps were ever alive at once (each step takes a flock on a
//     shared file: the kernel, not a timestamp, says whether they overlapped),
//   - the step succeeded exactly once in the end where the case allows,
//   - no replica outlived its deadline,
//   - every exit status is the documented one,
//   - the ledger tells the same story as the steps' own event log,
//   - no password appears in any output.
//
// The quick set runs with the other tests:
//
//	go test ./runonce/faults
//
// The full set (300 replicas against max_connections=50) and the soak:
//
//	RUNONCE_FAULTS_FULL=1 go test ./runonce/faults -run ManyReplicas -v
//	RUNONCE_SOAK=100 go test ./runonce/faults -run Soak -v -timeout 60m
//
// (or the flags -faults.full and -soak.trials=100, -soak.seed=N,
// -soak.out=FILE for the table as Markdown). The suite builds
// runonce/cmd/runonce once with `go build` and uses the test binary itself as
// the step the replicas run.
package faults
