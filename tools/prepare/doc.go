// Package prepare fetches and builds, while the network is there, everything
// the labs need, so that they then run with none (a workshop room without
// Wi-Fi, GOPROXY=off):
//
//  1. `go mod download` for the module and any nested module under tools/;
//  2. `go list -deps -test ./...` and `go list -deps tool`, which fetch
//     whatever a package, a test or a tool (mage, staticcheck) imports on
//     this system that the download left out;
//  3. `go build` of every command (lab, demoapp, runonce, cisim, the tools),
//     so the build cache is warm and a lab starts in seconds;
//  4. where a Docker engine answers: the Postgres image (the official one
//     pulled, else the offline one built with tools/pgimage on Debian) and
//     the lab image (labs/appimage);
//  5. the doctor's checks (tools/doctor), whose report ends the run.
//
// [Run] is the command (go tool mage prepare, go run ./tools/cmd/prepare).
package prepare
