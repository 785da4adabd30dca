// Package migrations is the demo app's schema, installed by goose
// (github.com/pressly/goose/v3) from files embedded in the binary.
//
// Every step runs outside a transaction, like the install the post
// describes:
//
//	1 create tables plans, accounts, migration_runs
//	2 add the column accounts.plan_id
//	3 seed the plans and backfill accounts.plan_id (slow; a Go migration)
//	4 CREATE UNIQUE INDEX CONCURRENTLY plans_name_key ON plans (name)
//
// The DDL is written defensively — IF NOT EXISTS wherever Postgres allows it
// — which is what people do when told that "the second replica will have no
// work to do". It does not make the steps safe to run twice at once: two
// concurrent CREATE TABLE IF NOT EXISTS can still fail on the catalog, the
// seed rows are inserted once per replica, and the unique index then fails to
// build and stays behind INVALID, failing every later attempt.
//
// Step 3 is a data migration of a common shape: insert the rows of a new
// lookup table, then backfill a foreign key on a big table in throttled
// batches. Its length is set by the app (--backfill) and stands in for that
// big table: it is what widens the race window, on purpose, so the lab
// reproduces the race on every run. It must outlast goose's own fixed 1 s
// retry: replicas that collide creating goose_db_version try again a second
// later, and the window must still be open then. Each run of step 3 first inserts a row
// into migration_runs, so the database itself counts how often it ran.
package migrations
