// Package prepare fetches and builds, while the network is there, what the
// labs need, so that they then run with none (a workshop room without
// Wi-Fi, GOPROXY=off). How much is a [doctor.Scope]: the workshop scope (the
// default) is what the exercises and the lab targets build from — the
// commands as `go run` builds them, without the Docker, kind and Kubernetes
// client libraries of their full builds; the all scope adds those full
// builds and the images, the repository's tests, the linters and the local
// Kubernetes control plane's nested modules. The steps:
//
//  1. for the all scope, `go mod download` for the module and every nested
//     module under tools/;
//  2. `go list -deps` of the scope's packages ([doctor.Scope.Loads]), which
//     fetches exactly their modules — the doctor's module check loads the
//     same packages with the network off;
//  3. `go build` of the scope's commands (for the all scope, also with
//     -tags labsfull), so the build cache is warm and a lab starts in
//     seconds;
//  4. for the all scope, where a Docker engine answers: the Postgres image (the official one
//     pulled, else the offline one built with tools/pgimage on Linux) and
//     the lab image (go tool mage images:lab), through the docker command:
//     prepare imports neither the labs nor a Docker client;
//  5. the doctor's checks (tools/doctor), whose report ends the run.
//
// [Run] is the command (go tool mage prepare, go run ./tools/cmd/prepare
// [--scope workshop|all], or PREPARE_SCOPE=all).
package prepare
