package labkit

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/internal/binaries"
	"github.com/bloglabs/posts/labs/postgres/dsn"
	"github.com/bloglabs/posts/labs/postgres/embedded"
	"github.com/bloglabs/posts/labs/runtimes/process"
	"github.com/bloglabs/posts/tools/doctor"
)

// The rows of [Light].
const (
	Process  RuntimeName  = "process"
	Embedded ProviderName = "embedded"
	DSN      ProviderName = "dsn"
)

// The seams' implementations, checked where they are wired together.
var (
	_ engine.Runtime = (*process.Runtime)(nil)
	_ Server         = (*embedded.Server)(nil)
	_ Server         = (*dsn.Server)(nil)
)

// Light is the table of what needs neither Docker nor a cluster: the
// process runtime, embedded PostgreSQL and a server of your own (dsn). A
// program that runs labs only here links no container or Kubernetes
// library.
func Light() Table {
	return Table{
		Runtimes: []Runtime{{
			Name:      Process,
			Help:      "local processes (the default; on Windows, inside WSL2)",
			Checks:    []doctor.Check{doctor.CheckGo},
			CheckHost: process.CheckHost,
			New:       newProcess,
		}},
		Providers: []Provider{{
			Name:   Embedded,
			Help:   "PostgreSQL from this machine's binaries (the default)",
			Checks: []doctor.Check{doctor.CheckPostgres},
			Start: func(ctx context.Context, s Setup, _ string) (Server, error) {
				fmt.Fprintf(s.Progress, "starting embedded PostgreSQL... ")
				return nilIfErr(embedded.Start(ctx, embedded.Options{}))
			},
		}, {
			Name: DSN,
			Help: "your server: Options.DSN (--dsn), else $" + dsn.Env,
			Validate: func(o Options) error {
				if o.DSN == "" {
					return optionErrorf("postgres dsn: %v", dsn.ErrNoDSN)
				}
				return nil
			},
			Start: func(ctx context.Context, s Setup, _ string) (Server, error) {
				fmt.Fprintf(s.Progress, "connecting to your PostgreSQL... ")
				return nilIfErr(dsn.Open(ctx, s.Options.DSN))
			},
		}},
	}
}

// newProcess builds demoapp (and runonce, which every lab but race
// deploys) and returns the process runtime running them.
func newProcess(ctx context.Context, s Setup) (engine.Runtime, error) {
	progs := []binaries.Program{binaries.Demoapp}
	if s.Lab != Race {
		progs = append(progs, binaries.Runonce)
	}
	dir, err := buildBinaries(ctx, s.Options.BinDir, s.Progress, progs...)
	if err != nil {
		return nil, err
	}
	o := s.Options
	return process.New(process.Options{BinDir: dir, RestartPolicy: o.Restarts, LogDir: o.Logs}), nil
}

// buildBinaries builds progs with go build into dir (default: the user
// cache folder) and returns dir, saying so on progress.
func buildBinaries(ctx context.Context, dir string, progress io.Writer, progs ...binaries.Program) (string, error) {
	root, err := repo.Root()
	if err != nil {
		return "", err
	}
	if dir == "" {
		if dir, err = binaries.DefaultDir(); err != nil {
			return "", err
		}
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

// nilIfErr keeps a typed nil pointer out of the Server interface.
func nilIfErr[T Server](p T, err error) (Server, error) {
	if err != nil {
		return nil, err
	}
	return p, nil
}
