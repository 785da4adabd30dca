package labkit

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/report"
	"github.com/bloglabs/posts/tools/doctor"
)

// Result is what a lab showed: Run for race and fix, Comparison for
// compare; the other is nil.
type Result struct {
	Lab        Lab
	Run        *report.Result
	Comparison *report.Comparison
}

// Value is the result that is set, or nil when the lab did not run.
func (r Result) Value() any {
	switch {
	case r.Run != nil:
		return r.Run
	case r.Comparison != nil:
		return r.Comparison
	}
	return nil
}

// Run runs lab with o: checks the options and the host (the doctor's checks
// the rows need, before anything is built), builds what the replicas run,
// starts the runtime and Postgres, runs the lab, and stops them. A lab that
// ran returns its result even when its error wraps [engine.ErrNotShown]
// (it did not show what it exists to show).
func (t Table) Run(ctx context.Context, lab Lab, o Options) (Result, error) {
	if err := t.Check(lab, o); err != nil {
		return Result{}, err
	}
	s := Setup{Lab: lab, Options: o.withDefaults()}
	s.Progress = s.Options.Progress
	rt, _ := t.Runtime(s.Options.Runtime)
	pv, _ := t.Provider(s.Options.Postgres)
	if err := preflight(ctx, rt, pv); err != nil {
		return Result{}, err
	}
	r, err := rt.New(ctx, s)
	if err != nil {
		return Result{}, err
	}
	if c, ok := r.(io.Closer); ok {
		defer func() {
			if err := c.Close(); err != nil {
				fmt.Fprintln(s.Progress, err)
			}
		}()
	}
	network := ""
	if p, ok := r.(Preparer); ok {
		if err := p.Prepare(ctx); err != nil {
			return Result{}, err
		}
		network = p.Network()
	}
	pg, err := startPostgres(ctx, pv, s, network)
	if err != nil {
		return Result{}, err
	}
	defer pg.Stop()
	if a, ok := r.(Router); ok {
		a.AddBackends(pg.Backend())
	}
	if rt.CheckRoute != nil {
		if err := rt.CheckRoute(r, s, pg.Backend()); err != nil {
			return Result{}, err
		}
	}
	return runLab(ctx, lab, engine.Config{
		Runtime: r, Postgres: pg, Replicas: o.Replicas, Backfill: o.Backfill,
		NoCreateIndex: o.NoCreateIndex, Timeout: o.Timeout, HangAfter: o.HangAfter,
		Progress: s.Progress, Observe: o.Observe,
	})
}

// preflight says first whether the runtime runs on this OS, then runs the
// doctor's checks both rows need.
func preflight(ctx context.Context, rt Runtime, pv Provider) error {
	if rt.CheckHost != nil {
		if err := rt.CheckHost(); err != nil {
			return err
		}
	}
	checks := []doctor.Check{doctor.CheckDisk}
	for _, c := range slices.Concat(rt.Checks, pv.Checks) {
		if !slices.Contains(checks, c) {
			checks = append(checks, c)
		}
	}
	if err := doctor.Preflight(ctx, checks...); err != nil {
		return fmt.Errorf("%w\n(go tool mage doctor checks the whole machine)", err)
	}
	return nil
}

// startPostgres starts (or opens) the provider's server.
func startPostgres(ctx context.Context, pv Provider, s Setup, network string) (Server, error) {
	t0 := time.Now()
	pg, err := pv.Start(ctx, s, network)
	if err != nil {
		fmt.Fprintln(s.Progress)
		return nil, err
	}
	fmt.Fprintf(s.Progress, "%s, %.1fs\n", pg.Describe(), time.Since(t0).Seconds())
	return pg, nil
}

// runLab runs the engine's lab.
func runLab(ctx context.Context, lab Lab, cfg engine.Config) (Result, error) {
	res := Result{Lab: lab}
	var err error
	switch lab {
	case Compare:
		res.Comparison, err = engine.Compare(ctx, cfg)
	case Fix:
		res.Run, err = engine.Fix(ctx, cfg)
	default:
		res.Run, err = engine.Race(ctx, cfg)
	}
	return res, err
}
