package app

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	tclog "github.com/testcontainers/testcontainers-go/log"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/internal/binaries"
	"github.com/bloglabs/posts/labs/postgres/container"
	"github.com/bloglabs/posts/labs/postgres/dsn"
	"github.com/bloglabs/posts/labs/postgres/embedded"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/docker"
	"github.com/bloglabs/posts/labs/runtimes/kind"
	"github.com/bloglabs/posts/labs/runtimes/kubernetes"
	"github.com/bloglabs/posts/labs/runtimes/process"
	"github.com/bloglabs/posts/tools/doctor"
)

// The seams' implementations, checked where they are wired together.
var (
	_ engine.Runtime   = (*process.Runtime)(nil)
	_ engine.Runtime   = (*docker.Runtime)(nil)
	_ engine.Runtime   = (*kind.Runtime)(nil)
	_ provider         = (*embedded.Server)(nil)
	_ provider         = (*container.Server)(nil)
	_ provider         = (*dsn.Server)(nil)
	_ containerRuntime = (*docker.Runtime)(nil)
	_ containerRuntime = (*kind.Runtime)(nil)
	_ containerRuntime = (*kubernetes.Runtime)(nil)
)

// provider is a Postgres provider as the command uses it: the engine's seam,
// the address runtimes route replicas to, and an end.
type provider interface {
	engine.Postgres
	Backend() runtimes.Backend
	Stop() error
}

// containerRuntime is a runtime whose replicas run in containers (docker,
// kind): prepared before Postgres starts, so that a Postgres container can
// start on its network, told about Postgres after, and closed at the end.
type containerRuntime interface {
	engine.Runtime
	Prepare(ctx context.Context) error
	Network() string
	AddBackends(b ...runtimes.Backend)
	Close() error
}

// RunLab runs one lab with o: checks the host, builds what the replicas run,
// starts the runtime and Postgres, runs the lab and writes its report to
// streams.Out (progress to streams.Err). Its error wraps
// [engine.ErrNotShown] when the lab did not show what it exists to show.
func RunLab(ctx context.Context, streams cli.Streams, lab Lab, o Options) error {
	if err := o.validate(); err != nil {
		return err
	}
	quietTestcontainers()
	// Host checks come before anything is built or started: on a machine
	// that cannot run the lab, say so in a second, with the command that
	// fixes it, not after a build.
	if err := preflight(ctx, o); err != nil {
		return err
	}
	rt, crt, err := newRuntime(ctx, lab, o, streams.Err)
	if err != nil {
		return err
	}
	network := ""
	if crt != nil {
		defer func() {
			if err := crt.Close(); err != nil {
				fmt.Fprintln(streams.Err, err)
			}
		}()
		// The network first, so that a Postgres container starts on it.
		if err := crt.Prepare(ctx); err != nil {
			return err
		}
		network = crt.Network()
	}
	pg, err := startPostgres(ctx, o, network, streams.Err)
	if err != nil {
		return err
	}
	defer pg.Stop()
	if crt != nil {
		crt.AddBackends(pg.Backend())
	}
	if k, ok := crt.(*kubernetes.Runtime); ok {
		// Before the lab starts: a route no pod can take is known now (a
		// local control plane's real node has its own).
		if err := k.Routable(); err != nil {
			return fmt.Errorf("%w (give --pod-postgres HOST:PORT or $%s)", err, kubernetes.EnvPodPostgres)
		}
	}
	cfg := engine.Config{
		Runtime: rt, Postgres: pg, Replicas: o.Replicas, Backfill: o.Backfill,
		NoCreateIndex: o.NoCreateIndex, Timeout: o.Timeout, HangAfter: o.HangAfter,
		Progress: streams.Err,
	}
	return runAndReport(ctx, streams, lab, cfg, o)
}

// preflight runs, before anything is built or started, doctor's checks for
// what o needs (preflightChecks); the process runtime first says whether it
// runs on this OS at all (on Windows: use WSL2).
func preflight(ctx context.Context, o Options) error {
	if o.Runtime == "process" {
		if err := process.CheckHost(); err != nil {
			return err
		}
	}
	if err := doctor.Preflight(ctx, preflightChecks(o)...); err != nil {
		return fmt.Errorf("%w\n(go tool mage doctor checks the whole machine)", err)
	}
	return nil
}

// preflightChecks are the checks o's runtime and Postgres provider need.
// The module cache is left to the go command, which names a missing module
// itself; the images, to the runtimes, which build them when missing.
func preflightChecks(o Options) []doctor.Check {
	checks := []doctor.Check{doctor.CheckDisk}
	if o.Runtime != "kubernetes" { // the others build binaries or images here
		checks = append(checks, doctor.CheckGo)
	}
	if o.Postgres == "embedded" {
		checks = append(checks, doctor.CheckPostgres)
	}
	if o.Postgres == "testcontainers" || o.Runtime == "docker" || o.Runtime == "kind" {
		checks = append(checks, doctor.CheckDocker)
	}
	if o.Runtime == "kind" {
		checks = append(checks, doctor.CheckKind)
	}
	return checks
}

// newRuntime builds what the replicas run (binaries for the process runtime,
// the lab image for docker and kind) and returns the runtime; crt is the
// same runtime when it runs containers, else nil.
func newRuntime(ctx context.Context, lab Lab, o Options, progress io.Writer) (rt engine.Runtime, crt containerRuntime, err error) {
	if o.Runtime == "process" {
		dir, err := buildBinaries(ctx, o.BinDir, lab != Race, progress)
		if err != nil {
			return nil, nil, err
		}
		return process.New(process.Options{BinDir: dir, RestartPolicy: o.Restarts, LogDir: o.Logs}), nil, nil
	}
	image, err := labImage(ctx, o.Image, progress)
	if err != nil {
		return nil, nil, err
	}
	switch o.Runtime {
	case "docker":
		crt = docker.New(docker.Options{Image: image, RestartPolicy: o.Restarts, LogDir: o.Logs})
	case "kubernetes":
		cfg, err := kubernetes.RESTConfig(o.Kubeconfig, o.Context)
		if err != nil {
			return nil, nil, err
		}
		crt = kubernetes.New(kubernetes.Options{Config: cfg, Image: image, PodPostgres: o.PodPostgres,
			MaxRestarts: kindMaxRestarts(o.Restarts), LogDir: o.Logs,
			ImageArchive: func(ctx context.Context) (io.ReadCloser, error) { return appimage.Save(ctx, image) }})
	default:
		crt = kind.New(kind.Options{Cluster: kind.RaceCluster(o.Cluster), Keep: o.Keep, Image: image,
			MaxRestarts: kindMaxRestarts(o.Restarts), Progress: progress, LogDir: o.Logs})
	}
	return crt, crt, nil
}

// kindMaxRestarts is the policy in kind.Options' own terms (0 the default,
// negative none): kind's options do not take a RestartPolicy, since there
// the kubelet restarts.
func kindMaxRestarts(p runtimes.RestartPolicy) int {
	if p.NoRestarts {
		return -1
	}
	return p.MaxRestarts
}

// buildBinaries builds demoapp, and runonce when the lab uses it, with go
// build into dir (default: the user cache folder).
func buildBinaries(ctx context.Context, dir string, withRunonce bool, progress io.Writer) (string, error) {
	root, err := repo.Root()
	if err != nil {
		return "", err
	}
	if dir == "" {
		if dir, err = binaries.DefaultDir(); err != nil {
			return "", err
		}
	}
	progs := []binaries.Program{binaries.Demoapp}
	if withRunonce {
		progs = append(progs, binaries.Runonce)
	}
	names := make([]string, len(progs))
	for i, p := range progs {
		names[i] = p.Name
	}
	t0 := time.Now()
	fmt.Fprintf(progress, "building %s with go build into %s... ", strings.Join(names, " and "), dir)
	if err := binaries.Build(ctx, root, dir, progs...); err != nil {
		fmt.Fprintln(progress)
		return "", err
	}
	fmt.Fprintf(progress, "%.1fs\n", time.Since(t0).Seconds())
	return dir, nil
}

// labImage builds the lab image (static binaries FROM scratch, loaded into
// Docker), unless the user named one.
func labImage(ctx context.Context, image string, progress io.Writer) (string, error) {
	if image != "" {
		return image, nil
	}
	img, err := appimage.Build(ctx, appimage.Options{Progress: progress})
	if err != nil {
		return "", err
	}
	return img.Tag, nil
}

// startPostgres starts (or opens) the chosen provider's server.
func startPostgres(ctx context.Context, o Options, network string, progress io.Writer) (provider, error) {
	t0 := time.Now()
	var (
		pg  provider
		err error
	)
	switch o.Postgres {
	case "embedded":
		fmt.Fprintf(progress, "starting embedded PostgreSQL... ")
		pg, err = nilIfErr(embedded.Start(ctx, embedded.Options{}))
	case "testcontainers":
		fmt.Fprintf(progress, "starting PostgreSQL with testcontainers...\n")
		pg, err = nilIfErr(container.Start(ctx, container.Options{Image: o.PostgresImage, Network: network, Progress: progress}))
	case "dsn":
		fmt.Fprintf(progress, "connecting to your PostgreSQL... ")
		pg, err = nilIfErr(dsn.Open(ctx, o.DSN))
	}
	if err != nil {
		fmt.Fprintln(progress)
		return nil, err
	}
	fmt.Fprintf(progress, "%s, %.1fs\n", pg.Describe(), time.Since(t0).Seconds())
	return pg, nil
}

// nilIfErr keeps a typed nil pointer out of the provider interface.
func nilIfErr[T provider](p T, err error) (provider, error) {
	if err != nil {
		return nil, err
	}
	return p, nil
}

// runAndReport runs the lab and writes its report, and its JSON when asked,
// whatever the verdict; it returns the lab's error.
func runAndReport(ctx context.Context, streams cli.Streams, lab Lab, cfg engine.Config, o Options) error {
	text := textFor(streams.Out, o)
	var (
		result any
		write  func() error
		labErr error
	)
	switch lab {
	case Compare:
		c, err := engine.Compare(ctx, cfg)
		if c != nil {
			result, write = c, func() error { return text.WriteComparison(streams.Out, c) }
		}
		labErr = err
	default:
		run := engine.Race
		if lab == Fix {
			run = engine.Fix
		}
		r, err := run(ctx, cfg)
		if r != nil {
			result, write = r, func() error { return text.WriteResult(streams.Out, r) }
		}
		labErr = err
	}
	if result == nil {
		return labErr
	}
	fmt.Fprintln(streams.Out)
	if err := write(); err != nil {
		return err
	}
	if o.JSONFile != "" {
		if err := writeJSON(o.JSONFile, streams.Out, result); err != nil {
			return err
		}
	}
	if o.SVGFile != "" {
		if err := writeSVG(o.SVGFile, result); err != nil {
			return err
		}
	}
	return labErr
}

var quietOnce sync.Once

// quietTestcontainers keeps testcontainers' own log lines (a banner per
// connection, one per container step) out of the lab's output: the lab
// prints its own progress.
func quietTestcontainers() {
	quietOnce.Do(func() { tclog.SetDefault(tclog.NewNoopLogger()) })
}
