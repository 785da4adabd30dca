// Package demoapp is the small service the race labs deploy: an HTTP server
// with /healthz and /readyz whose schema is installed by goose from
// migrations embedded in the binary (package migrations).
//
// It runs in the ways the post and its peers install a schema:
//
//   - serve --migrate-on-boot: every replica migrates as it starts, with no
//     lock (the race), or with goose's own session locker (--lock goose);
//   - migrate: migrate and exit, for an initContainer such as
//     `runonce --version V -- demoapp migrate` (the fix);
//   - postlock -- COMMAND: the post's recipe, ported faithfully except that
//     its lock table is really created: BEGIN; LOCK TABLE install_locks IN
//     ACCESS EXCLUSIVE MODE; run COMMAND; COMMIT — on every replica.
//
// /readyz answers 200 once the database holds the schema version this binary
// migrates to. The app reports what it does as log lines on stderr carrying
// event=NAME (see [ParseEvent]); any runtime that collects a container's
// output — a pipe, `docker logs`, `kubectl logs` — can read them.
//
// [Inspect] checks a database against the schema as designed; the labs'
// verdicts come from it.
package demoapp
