// Command runonce runs a command once per version — first, before any replica
// serves — however many replicas of a Deployment start together. It is meant
// as an initContainer:
//
//	runonce --name schema --version "$IMAGE_TAG" -- app migrate
//
// The replica that takes the lock runs the command; the others wait, then see
// that it succeeded and exit 0 without running it. Without --version every
// caller runs the command, one at a time. `runonce status` shows the ledger,
// the holder and the waiters.
//
// Exit status:
//
//	0    the command ran and succeeded, or it had already succeeded (skipped)
//	N    the command's own status when it ran and failed (128+S when killed by signal S)
//	64   usage error (bad flag, no command, no name)
//	69   database unavailable: wrong password, missing database, unknown host,
//	     or a fatal error talking to it
//	70   internal error (a bug: please report it)
//	75   timed out waiting for the lock (or for the database to come up)
//	76   lock lost while the command ran: it was stopped (SIGTERM, then SIGKILL
//	     after --kill-grace); or it finished but its result could not be
//	     recorded, so the next replica will run it again
//	77   refused: the target is a hot standby
//	124  the command passed --run-timeout and was stopped
//	126  the command is not executable
//	127  the command was not found
//	128+S  runonce got signal S while waiting (nothing ran)
//
// Every flag can be given as an environment variable RUNONCE_<FLAG> (e.g.
// RUNONCE_DSN, RUNONCE_NAME, RUNONCE_VERSION, RUNONCE_HOLDER); flags win. With
// no DSN, the standard PG* variables (PGHOST, PGUSER, PGPASSWORD, ...) apply.
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	err := Run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	code := exitCode(err)
	if err != nil && code != 0 && !isCommandStatus(err) {
		fmt.Fprintln(os.Stderr, "runonce:", err)
	}
	os.Exit(code)
}
