//go:build mage

// Targets for the blog labs: run them with `go tool mage <target>`, list them
// with `go tool mage -l`. Each target is one call into an ordinary, tested
// package or one go command; no logic lives here.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/magefile/mage/mg"
	"github.com/magefile/mage/sh"

	"github.com/bloglabs/posts/ci-preemptible/kindlab"
	"github.com/bloglabs/posts/ci-preemptible/lab"
	"github.com/bloglabs/posts/ci-preemptible/live"
	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/crosscheck"
	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/cmd/lab/app"
	"github.com/bloglabs/posts/labs/runtimes/kind"
	"github.com/bloglabs/posts/tools/controlplane"
	"github.com/bloglabs/posts/tools/doctor"
	"github.com/bloglabs/posts/tools/pgimage"
	"github.com/bloglabs/posts/tools/prepare"
)

// Lab runs the hands-on labs.
type Lab mg.Namespace

// PreemptibleKind runs the preemptible lab live on a kind cluster (tainted worker, jobs with and without toleration, a preemption by stopping the node); checks first that this host can run kind.
func (Lab) PreemptibleKind(ctx context.Context) error {
	return kindlab.Run(ctx, os.Stdout, kindlab.Options{Progress: os.Stderr})
}

// Race starts 5 replicas of the demo app that all install their schema on boot, with no lock, and shows the damage in the database.
func (Lab) Race(ctx context.Context) error {
	return app.RunLab(ctx, cli.OS(), app.Race, app.DefaultOptions())
}

// Fix runs the same app with runonce as its initContainer: one replica migrates, the others wait and skip.
func (Lab) Fix(ctx context.Context) error {
	return app.RunLab(ctx, cli.OS(), app.Fix, app.DefaultOptions())
}

// Compare runs no lock, the post's LOCK TABLE, goose's session locker and runonce side by side, with and without CREATE INDEX CONCURRENTLY.
func (Lab) Compare(ctx context.Context) error {
	return app.RunLab(ctx, cli.OS(), app.Compare, app.DefaultOptions())
}

// Preemptible simulates the CI post's setup in four variants (all on-demand; taint + selector + toleration; taint missing; toleration forgotten): a table, and a chart in out/preemptible.svg.
func (Lab) Preemptible(ctx context.Context) error {
	return lab.Simulate(ctx, os.Stdout, lab.Options{SVG: "out/preemptible.svg"})
}

// PreemptibleLive runs the same four variants live on the real scheduler, scaled to minutes: a local control plane with kwok nodes, a preemption, GitLab-style retries, compared pod by pod with the simulator; results in out/preemptible-live.json.
func (Lab) PreemptibleLive(ctx context.Context) error {
	return live.Run(ctx, os.Stdout, live.Options{JSON: "out/preemptible-live.json", Progress: os.Stderr})
}

// Lint checks gofmt, then runs go vet and staticcheck (pinned as a tool in go.mod) over every package; CI runs it before the tests.
func Lint(ctx context.Context) error {
	unformatted, err := sh.Output("gofmt", "-l", ".")
	if err != nil {
		return err
	}
	if unformatted != "" {
		return fmt.Errorf("not gofmt'd (run gofmt -w on them):\n%s", unformatted)
	}
	// With -race where it works, vet and staticcheck compile the
	// dependencies as `go test -race ./...` does, and the tests reuse them:
	// one compile of every dependency instead of two (on a fresh machine,
	// minutes). staticcheck itself is built without it, by go tool.
	env := map[string]string{}
	if doctor.RaceWorks(ctx) {
		env["GOFLAGS"] = strings.TrimSpace(os.Getenv("GOFLAGS") + " -race")
	}
	if err := sh.RunWithV(env, "go", "vet", "./..."); err != nil {
		return err
	}
	staticcheck, err := sh.Output("go", "tool", "-n", "staticcheck")
	if err != nil {
		return err
	}
	return sh.RunWithV(env, staticcheck, "./...")
}

// Crosscheck type-checks every package, tests included, for macOS (arm64, amd64) and Windows (amd64), so a Linux-only call cannot land; CI runs it before the tests.
func Crosscheck(ctx context.Context) error {
	var errs []error
	for _, t := range []crosscheck.Target{{GOOS: "darwin", GOARCH: "arm64"}, {GOOS: "darwin", GOARCH: "amd64"}, {GOOS: "windows", GOARCH: "amd64"}} {
		t0 := time.Now()
		err := crosscheck.Check(ctx, ".", t, "./...")
		if err == nil {
			fmt.Printf("%s: every package type-checks (%.0fs)\n", t, time.Since(t0).Seconds())
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Doctor checks that this machine can run the labs (Go, C toolchain, PostgreSQL, disk, module cache; Docker, kind, images optional) and prints the fix for each miss; `go run ./tools/cmd/doctor --json FILE` for a report.
func Doctor(ctx context.Context) error { return doctor.Run(ctx, cli.OS(), nil) }

// Prepare fetches and builds everything the labs need while the network is there (modules, commands, images where Docker runs), then runs the doctor.
func Prepare(ctx context.Context) error { return prepare.Run(ctx, cli.OS(), nil) }

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

// Images builds container images without a registry.
type Images mg.Namespace

// Postgres builds the offline PostgreSQL image (Debian packages via debootstrap, the official image's entrypoint contract) unless it exists.
func (Images) Postgres(ctx context.Context) error {
	_, err := pgimage.Build(ctx, pgimage.Options{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	return err
}

// Lab builds the lab image (demoapp and runonce, static, FROM scratch) and loads it into Docker.
func (Images) Lab(ctx context.Context) error {
	_, err := appimage.Build(ctx, appimage.Options{Progress: os.Stderr})
	return err
}

// Cluster manages the clusters the labs use: kind (--runtime kind) and a local control plane with kwok nodes.
type Cluster mg.Namespace

// Local starts a real control plane (etcd, kube-apiserver, controller-manager, scheduler) with kwok nodes on loopback, and a real node (kubelet, containerd) where the host can run one (Linux, root), prints `export KUBECONFIG=...`, and keeps it up until Ctrl-C; builds the binaries first if needed (10-17 min cold).
func (Cluster) Local(ctx context.Context) error {
	return controlplane.Serve(ctx, os.Stdout, controlplane.Options{
		Nodes:    controlplane.LabNodes(),
		RealNode: true,
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
}

// Build builds the local control plane's binaries (Kubernetes v1.37.2, kwok v0.8.0) into the cache unless they are there.
func (Cluster) Build(ctx context.Context) error {
	_, err := controlplane.Build(ctx, controlplane.BuildOptions{Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	return err
}

// Up creates the labs' kind cluster (after checking this host can run kind) or reuses it.
func (Cluster) Up(ctx context.Context) error {
	return app.ClusterUp(ctx, cli.OS(), kind.RaceCluster(app.DefaultOptions().Cluster))
}

// Down deletes the labs' kind cluster.
func (Cluster) Down(ctx context.Context) error {
	return app.ClusterDown(ctx, cli.OS(), app.DefaultOptions().Cluster)
}

// Postgres runs throwaway PostgreSQL servers.
type Postgres mg.Namespace

// Temp starts a throwaway PostgreSQL, prints its DSN, and removes it on Ctrl-C.
func (Postgres) Temp() error { return sh.RunV("go", "run", "./tools/cmd/pgtemp") }

func goTest(args ...string) error {
	return sh.RunV("go", append([]string{"test"}, args...)...)
}
