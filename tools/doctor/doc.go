// Package doctor checks that a machine can run the labs, and says for every
// missing piece the exact command that adds it on this system (apt-get on
// Debian and Ubuntu, dnf on Fedora, brew on macOS, winget or WSL2 on
// Windows).
//
// The checks ([Checks]) are: the Go version (at least the go.mod's), a C
// toolchain (for go test -race), PostgreSQL's server binaries with a
// throwaway server that really starts and answers (tools/pgtemp), psql
// (exercises 05 and 06; Homebrew's libpq and postgresql@N keep it off
// PATH), free disk, the module cache holding every module a [Scope] builds
// from (so the labs run with no network), $REPO (which the exercises' steps
// use), and, optionally, a Docker engine, kind's host requirements (cgroup
// v2, privileged containers) and the lab images.
//
// The package sits below the labs and stays light: the default lab calls
// [Preflight] before it starts, so the doctor imports no lab, no Docker
// client and no Kubernetes library. It asks the docker command about
// Docker, kind's requirements and the images, and takes the images' names
// from tools ([LabImages]).
//
// [Examine] runs checks and returns a [Report]; [Report.Ready] is true when
// every required one passed. [Preflight] is the form a lab calls before it
// starts anything: every check it names is required, and its error lists
// each failure with its fix:
//
//	if err := doctor.Preflight(ctx, doctor.CheckPostgres); err != nil {
//		return err // "not ready: ✗ PostgreSQL: ... fix: sudo apt-get install -y postgresql"
//	}
//
// [Run] is the doctor command (go run ./tools/cmd/doctor [--json FILE]
// [--scope workshop|all], go tool mage doctor): one line per check, ✓
// passed, ✗ a required check failed, – an optional one did not pass; exit
// status 0 when ready, 1 not.
package doctor
