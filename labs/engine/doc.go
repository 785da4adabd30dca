// Package engine is the lab engine and the race labs: it deploys N replicas of
// the demo app (labs/demoapp) under a schema-install strategy, records each
// replica's timeline, and ends with a verdict computed from the database
// itself.
//
//   - [Race]: every replica migrates on boot with no lock — the post's
//     problem. It shows crashes, restarts, seed rows inserted once per
//     replica, goose's version table recording versions many times, an
//     INVALID index: whatever the database really holds.
//   - [Fix]: the same app with `runonce --version V -- demoapp migrate` as
//     its initContainer: one replica runs the step, the others wait and skip,
//     the database is exactly as designed.
//   - [Compare]: the strategies side by side (no lock, the post's LOCK TABLE,
//     goose's session locker, runonce), with and without a CREATE INDEX
//     CONCURRENTLY step: failures, double runs, hangs, time until the last
//     replica is ready, peak connections.
//
// The engine consumes two seams, defined here: a [Runtime] runs a
// [spec.Deployment] (labs/runtimes/process, docker and kind) and a
// [Postgres] provides databases (labs/postgres/embedded, container and
// dsn). Everything a
// runtime must know is in the spec; everything the lab learns comes back as
// runtime events, the app's own event lines, and the database.
//
// A lab that did not show what it exists to show (the race did not
// reproduce, the fix did not fix) returns its result together with an error
// wrapping [ErrNotShown].
package engine
