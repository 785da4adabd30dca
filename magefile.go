//go:build mage

// Targets for the blog labs: run them with `go tool mage <target>`, list them
// with `go tool mage -l`. Each target is one go command; no logic lives here.
package main

// The magefile imports the standard library and mage only, and each target
// runs `go run` of the command that does the work: mage compiles this file
// for every target, so anything it imported would be downloaded and compiled
// before the first lab:race (109 modules, 104 MiB, when it imported the
// Kubernetes and Docker code). Now each target fetches and builds what it
// runs, and nothing else.

import (
	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"
)

// Lab runs the hands-on labs.
type Lab mg.Namespace

// Race starts 5 replicas of the demo app that all install their schema on boot, with no lock, and shows the damage in the database; LABS_LIVE=1 shows it live in a browser (the lab prints the URL).
func (Lab) Race() error { return goRun("./labs/cmd/lab", "race") }

// Fix runs the same app with runonce as its initContainer: one replica migrates, the others wait and skip; LABS_LIVE=1 shows it live in a browser.
func (Lab) Fix() error { return goRun("./labs/cmd/lab", "fix") }

// Compare runs no lock, the post's LOCK TABLE, goose's session locker and runonce side by side, with and without CREATE INDEX CONCURRENTLY; LABS_LIVE=1 shows them live in a browser.
func (Lab) Compare() error { return goRun("./labs/cmd/lab", "compare") }

// Preemptible simulates the CI post's setup in four variants (all on-demand; taint + selector + toleration; taint missing; toleration forgotten): a table, and a chart in out/preemptible.svg.
func (Lab) Preemptible() error {
	return goRun("./ci-preemptible/cmd/cisim", "--svg", "out/preemptible.svg")
}

// PreemptibleLive runs the same four variants live on the real scheduler, scaled to minutes: a local control plane with kwok nodes, a preemption, GitLab-style retries, compared pod by pod with the simulator; results in out/preemptible-live.json; LABS_LIVE=1 shows the nodes and the job pods landing on them live in a browser.
func (Lab) PreemptibleLive() error {
	return goRun("./ci-preemptible/cmd/cisim", "lab", "--runtime", "kwok", "--json", "out/preemptible-live.json")
}

// PreemptibleKind runs the preemptible lab live on a kind cluster (tainted worker, jobs with and without toleration, a preemption by stopping the node); checks first that this host can run kind.
func (Lab) PreemptibleKind() error {
	return goRun("./ci-preemptible/cmd/cisim", "lab", "--runtime", "kind")
}

// Lint checks gofmt, then runs go vet and staticcheck (pinned as a tool in go.mod) over every package; CI runs it after the tests.
func Lint() error { return goRun("./tools/cmd/lint") }

// Crosscheck type-checks every package, tests included, for macOS (arm64, amd64) and Windows (amd64), so a Linux-only call cannot land; CI runs it before the tests.
func Crosscheck() error { return goRun("./tools/cmd/lint", "crosscheck") }

// Doctor checks that this machine can run the labs (Go, C toolchain, PostgreSQL, psql, disk, module cache; REPO, Docker, kind, images optional) and prints the fix for each miss; `go run ./tools/cmd/doctor --json FILE` for a report.
func Doctor() error { return goRun("./tools/cmd/doctor") }

// Prepare fetches and builds what the workshop needs while the network is there (modules, commands, images where Docker runs), then runs the doctor; PREPARE_SCOPE=all for everything (tests, lint, the local control plane).
func Prepare() error { return goRun("./tools/cmd/prepare") }

// Test runs the test suites.
type Test mg.Namespace

// All runs every test, with the race detector: the README's test command.
func (Test) All() error { return goTest("-race", "./...") }

// Short runs the tests that take seconds, skipping the slow ones (-short).
func (Test) Short() error { return goTest("-short", "./...") }

// Faults runs runonce's full fault matrix, including 300 replicas against max_connections=50 (the quick set runs in test:all).
func (Test) Faults() error {
	return sh.RunWithV(map[string]string{"RUNONCE_FAULTS_FULL": "1"}, "go", "test", "-count=1", "-v", "./runonce/faults")
}

// Bench runs the benchmarks that back the performance claims.
type Bench mg.Namespace

// Runonce measures N replicas on a 1 s step (runonce vs goose's session locker, in-process and as processes) and the skip path.
func (Bench) Runonce() error {
	return goTest("-run", "^$", "-bench", ".", "-benchtime", "1x", "./runonce/", "./runonce/cmd/runonce/app/")
}

// Soak runs 150 randomized fault trials against runonce (5-20 replicas each) and prints the per-fault table; about 8 minutes.
func (Bench) Soak() error {
	return sh.RunWithV(map[string]string{"RUNONCE_SOAK": "150", "RUNONCE_SOAK_SEED": "20261126"},
		"go", "test", "-count=1", "-timeout", "60m", "-run", "Soak", "-v", "./runonce/faults")
}

// Sim measures the CI simulator: jobs simulated per second at 10^4, 10^5 and 10^6 jobs.
func (Bench) Sim() error {
	return goTest("-run", "^$", "-bench", ".", "-benchtime", "1x", "./ci-preemptible/sim/")
}

// Firstlab measures a fresh clone's first `go tool mage lab:race` from empty module and build caches, modules from this machine's module cache as a file:// proxy: MiB fetched, packages compiled, seconds to the verdict; `go run ./labs/cmd/firstlab --help` to compare two revisions.
func (Bench) Firstlab() error { return goRun("./labs/cmd/firstlab") }

// Images builds container images without a registry.
type Images mg.Namespace

// Postgres builds the offline PostgreSQL image (Debian packages via debootstrap, the official image's entrypoint contract) unless it exists.
func (Images) Postgres() error { return goRun("./tools/cmd/pgimage") }

// Lab builds the lab image (demoapp and runonce, static, FROM scratch) and loads it into Docker.
func (Images) Lab() error { return goRunFull("image") }

// Cluster manages the clusters the labs use: kind (--runtime kind) and a local control plane with kwok nodes.
type Cluster mg.Namespace

// Local starts a real control plane (etcd, kube-apiserver, controller-manager, scheduler) with kwok nodes on loopback, and a real node (kubelet, containerd) where the host can run one (Linux, root), prints `export KUBECONFIG=...`, and keeps it up until Ctrl-C; builds the binaries first if needed (10-17 min cold).
func (Cluster) Local() error { return goRun("./tools/cmd/controlplane", "up") }

// Build builds the local control plane's binaries (Kubernetes v1.37.2, kwok v0.8.0) into the cache unless they are there.
func (Cluster) Build() error { return goRun("./tools/cmd/controlplane", "build") }

// Up creates the labs' kind cluster (after checking this host can run kind) or reuses it.
func (Cluster) Up() error { return goRunFull("cluster", "up") }

// Down deletes the labs' kind cluster.
func (Cluster) Down() error { return goRunFull("cluster", "down") }

// Postgres runs throwaway PostgreSQL servers.
type Postgres mg.Namespace

// Temp starts a throwaway PostgreSQL, prints its DSN, and removes it on Ctrl-C.
func (Postgres) Temp() error { return goRun("./tools/cmd/pgtemp") }

// Workshop holds the room tools of the workshop (docs/workshop).
type Workshop mg.Namespace

// Check tells what your last run of exercise NN (workshop:check 04) shows against its checkpoints, what is missing, and a hint.
func (Workshop) Check(exercise string) error {
	return goRun("./tools/cmd/workshop", "check", exercise)
}

// Run runs every step of exercise NN (workshop:run 04) for you in out/workshop/NN, to catch up.
func (Workshop) Run(exercise string) error { return goRun("./tools/cmd/workshop", "run", exercise) }

// Reset stops the servers and processes the exercises started and removes out/workshop.
func (Workshop) Reset() error { return goRun("./tools/cmd/workshop", "reset") }

// Transcripts runs every exercise and writes its full output to docs/workshop/transcripts.
func (Workshop) Transcripts() error { return goRun("./tools/cmd/workshop", "transcripts") }

// Slides builds the projector pack into one offline page, out/workshop-slides.html.
func (Workshop) Slides() error { return goRun("./tools/cmd/workshopslides") }

func goRun(pkg string, args ...string) error {
	return sh.RunV("go", append([]string{"run", pkg}, args...)...)
}

// goRunFull runs the lab command's full build (Docker, kind, Kubernetes).
func goRunFull(args ...string) error {
	return sh.RunV("go", append([]string{"run", "-tags", "labsfull", "./labs/cmd/lab"}, args...)...)
}

func goTest(args ...string) error {
	return sh.RunV("go", append([]string{"test"}, args...)...)
}
