// Package app is the runonce command: [Run] does everything main would, so
// the CLI is testable in-process, and [ExitCode] maps its errors to exit
// statuses in one place.
//
//	runonce --name NAME [--version V] [flags] -- COMMAND [ARG...]
//	runonce status [--name NAME] [--json]
//
// The replica that takes the lock runs COMMAND; the others wait, then see
// that it succeeded and exit 0 without running it. Without --version every
// caller runs the command, one at a time. `runonce status` shows the ledger,
// the holder and the waiters.
//
// Exit status:
//
//	0    the command ran and succeeded, or it had already succeeded (skipped)
//	N    the command's own status when it ran and failed (128+S when killed by
//	     signal S); a command's own 64–77 reads like runonce's below: the
//	     ledger (`runonce status`) and the log tell them apart
//	64   usage error (bad flag or RUNONCE_* value, no command, no name,
//	     --kill-grace out of bounds)
//	69   database unavailable: wrong password, missing database, unknown host,
//	     or a fatal error talking to it
//	70   internal error (a bug: please report it)
//	75   timed out waiting for the lock (or for the database to come up)
//	76   lock lost while the command ran: it was stopped (SIGTERM, then SIGKILL
//	     after --kill-grace); or it finished but its result could not be
//	     recorded, so the next replica will run it again
//	77   refused: the target is a hot standby
//	124  the command passed --run-timeout and was stopped (recorded failed,
//	     whatever it exited with)
//	126  the command is not executable
//	127  the command was not found
//	128+S  runonce got signal S: while waiting (nothing ran), or while the
//	     command ran (forwarded to it; recorded interrupted, whatever it
//	     exited with)
//
// Every flag can be given as an environment variable RUNONCE_<FLAG> (e.g.
// RUNONCE_DSN, RUNONCE_NAME, RUNONCE_VERSION, RUNONCE_HOLDER); flags win, and
// a bad value is a usage error like a bad flag. The usage text never shows
// a value taken from the environment. With no DSN, the standard PG*
// variables (PGHOST, PGUSER, PGPASSWORD, ...) apply.
package app
