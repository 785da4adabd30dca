package doctor

import (
	"context"
	"os"
	"slices"
	"time"

	"github.com/bloglabs/posts/internal/repo"
)

// Options configure [Examine].
type Options struct {
	// Checks to run, in [Checks] order whatever the order given. Defaults
	// to all.
	Checks []Check
	// Require makes these checks required even when [Check.Required] says
	// optional (a lab run with --runtime docker requires Docker).
	Require []Check
	// Progress, when set, is called as each check starts (a check that
	// starts a server takes a second or more).
	Progress func(Check)
	// Quick leaves out what a caller about to do it anyway would only
	// repeat: the PostgreSQL check finds the binaries and reads their
	// version, but starts no throwaway server.
	Quick bool
	// Scope is what the module check asks the cache for. Defaults to
	// ScopeWorkshop.
	Scope Scope
	// Images are what the images check looks for. Defaults to LabImages().
	Images []Image
}

func (o Options) withDefaults() Options {
	if o.Scope == "" {
		o.Scope = ScopeWorkshop
	}
	if o.Images == nil {
		o.Images = LabImages()
	}
	return o
}

// Examine runs the checks and returns what they found. It fails only
// through the report: a check that cannot run is a failed check.
func Examine(ctx context.Context, opts Options) Report {
	opts = opts.withDefaults()
	p := DetectPlatform()
	host, _ := os.Hostname()
	r := Report{Host: host, Platform: p, At: time.Now().UTC().Truncate(time.Second)}
	env, envErr := readGoEnv(ctx)
	goWant := "the go.mod's Go version"
	if b, err := os.ReadFile(env.GOMOD); err == nil && env.moduleDir() != "" {
		goWant = "go" + goModVersion(b)
	}
	for _, c := range selected(opts.Checks) {
		if opts.Progress != nil {
			opts.Progress(c)
		}
		t0 := time.Now()
		o := runCheck(ctx, c, env, envErr, opts)
		required := c.Required() || slices.Contains(opts.Require, c)
		res := Result{Check: c, Title: c.Title(), Required: required, Status: verdict(o.passed, required),
			Detail: o.detail, Took: time.Since(t0).Round(time.Millisecond)}
		if !o.passed {
			res.Fix = o.fix
			if res.Fix == "" {
				res.Fix = fixFor(c, p, goWant)
			}
		}
		r.Results = append(r.Results, res)
	}
	r.Ready = ready(r.Results)
	return r
}

func runCheck(ctx context.Context, c Check, env goEnv, envErr error, opts Options) outcome {
	if envErr != nil && (c == CheckGo || c == CheckCC || c == CheckModules || c == CheckDisk) {
		return fail("%v", envErr)
	}
	switch c {
	case CheckGo:
		return checkGo(env)
	case CheckCC:
		return checkCC(env)
	case CheckPostgres:
		return checkPostgres(ctx, opts.Quick)
	case CheckPsql:
		return checkPsql(ctx, DetectPlatform())
	case CheckDisk:
		return checkDisk(env)
	case CheckModules:
		return checkModules(ctx, env, opts.Scope)
	case CheckRepo:
		return judgeRepo(os.Getenv(repo.EnvRepo), env.moduleDir(), repoAt)
	case CheckDocker:
		return checkDocker(ctx)
	case CheckKind:
		return checkKind(ctx)
	case CheckImages:
		return checkImages(ctx, opts.Images)
	}
	return fail("unknown check %q", c)
}

// selected is want in Checks order, or every check when want is empty.
func selected(want []Check) []Check {
	if len(want) == 0 {
		return Checks()
	}
	var out []Check
	for _, c := range Checks() {
		if slices.Contains(want, c) {
			out = append(out, c)
		}
	}
	return out
}

// Preflight runs the named checks (all of them when none is named), each
// one required, and returns a *[NotReadyError] (wrapping [ErrNotReady])
// listing every one that failed with the command that fixes it, or nil.
// A lab calls it before it starts anything, with the checks its runtime and
// Postgres provider need: CheckPostgres for the embedded default,
// CheckDocker for --runtime docker, CheckKind for kind. It runs them
// [Options.Quick]: the lab starts its own server a moment later.
func Preflight(ctx context.Context, checks ...Check) error {
	if len(checks) == 0 {
		checks = Checks()
	}
	r := Examine(ctx, Options{Checks: checks, Require: checks, Quick: true})
	if failed := r.Failed(); len(failed) > 0 {
		return &NotReadyError{Failed: failed}
	}
	return nil
}
