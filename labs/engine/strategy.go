package engine

import (
	"fmt"
	"strconv"
	"time"

	"github.com/bloglabs/posts/labs/demoapp"
	"github.com/bloglabs/posts/labs/spec"
)

// Strategy is how the replicas of a deployment install the schema.
type Strategy string

// Strategies.
const (
	// NoLock: every replica migrates on boot (the post's problem).
	NoLock Strategy = "no-lock"
	// PostLockTable: initContainer `demoapp postlock -- demoapp migrate`,
	// the post's LOCK TABLE recipe.
	PostLockTable Strategy = "post-lock-table"
	// GooseLocker: every replica migrates on boot under goose's session
	// locker (its defaults: pg_try_advisory_lock polled every 5 s).
	GooseLocker Strategy = "goose-session-locker"
	// Runonce: initContainer `runonce --version V -- demoapp migrate`.
	Runonce Strategy = "runonce"
)

// Strategies are Compare's rows, in order.
var Strategies = []Strategy{NoLock, PostLockTable, GooseLocker, Runonce}

// Label is the strategy's name in a table.
func (s Strategy) Label() string {
	switch s {
	case NoLock:
		return "no lock"
	case PostLockTable:
		return "post's LOCK TABLE"
	case GooseLocker:
		return "goose session locker"
	case Runonce:
		return "runonce"
	}
	return string(s)
}

// Title says what is deployed.
func (s Strategy) Title(replicas int, createIndex bool) string {
	switch s {
	case NoLock:
		return fmt.Sprintf("%d replicas of demoapp, each migrating on boot with no lock", replicas)
	case PostLockTable:
		return fmt.Sprintf("%d replicas of demoapp, initContainer: the post's LOCK TABLE install_locks, then demoapp migrate", replicas)
	case GooseLocker:
		return fmt.Sprintf("%d replicas of demoapp, each migrating on boot under goose's session locker", replicas)
	case Runonce:
		return fmt.Sprintf("%d replicas of demoapp, initContainer: runonce --version %s -- demoapp migrate", replicas, SchemaTag(createIndex))
	}
	return string(s)
}

// Deployment name and the runonce step name the labs use.
const (
	DeploymentName = "demo"
	RunonceName    = "demoapp-schema"
)

// SchemaTag is the runonce --version of the demo app's schema: a new set of
// migrations is a new version, run once again.
func SchemaTag(createIndex bool) string {
	return "schema-v" + strconv.FormatInt(demoapp.TargetVersion(createIndex), 10)
}

// Params are what a strategy's deployment is made of.
type Params struct {
	// Replicas of the demo app.
	Replicas int
	// DSN is the database the replicas use.
	DSN string
	// Backfill is the slow step's length.
	Backfill time.Duration
	// CreateIndex adds the CREATE INDEX CONCURRENTLY step.
	CreateIndex bool
}

// Deployment is the spec of s: the demo app, and for the initContainer
// strategies the init step. It is not validated here: the runtime that
// runs it validates it, once.
func (s Strategy) Deployment(p Params) (spec.Deployment, error) {
	replicas, createIndex := p.Replicas, p.CreateIndex
	env := []spec.EnvVar{
		{Name: "DATABASE_URL", Value: p.DSN},
		{Name: "DEMOAPP_BACKFILL", Value: p.Backfill.String()},
		{Name: "DEMOAPP_CREATE_INDEX", Value: strconv.FormatBool(createIndex)},
	}
	app := spec.Container{
		Name:      "app",
		Image:     "demoapp",
		Command:   []string{"demoapp", "serve"},
		Env:       append(append([]spec.EnvVar(nil), env...), spec.EnvVar{Name: "PORT", Value: "8080"}),
		Port:      8080,
		Readiness: &spec.HTTPProbe{Path: "/readyz"},
	}
	d := spec.Deployment{Name: DeploymentName, Replicas: replicas, Container: app}
	switch s {
	case NoLock:
		d.Container.Command = append(d.Container.Command, "--migrate-on-boot")
	case GooseLocker:
		d.Container.Command = append(d.Container.Command, "--migrate-on-boot", "--lock", string(demoapp.LockGoose))
	case PostLockTable:
		d.InitContainers = []spec.Container{{
			Name:    "migrate",
			Image:   "demoapp",
			Command: []string{"demoapp", "postlock", "--", "demoapp", "migrate"},
			Env:     env,
		}}
	case Runonce:
		d.InitContainers = []spec.Container{{
			Name:  "migrate",
			Image: "runonce",
			Command: []string{"runonce", "--name", RunonceName, "--version", SchemaTag(createIndex),
				"--", "demoapp", "migrate"},
			Env: append(append([]spec.EnvVar(nil), env...),
				spec.EnvVar{Name: "RUNONCE_DSN", Value: "$(DATABASE_URL)"},
				spec.EnvVar{Name: "RUNONCE_HOLDER", Value: "$(POD_NAME)"}),
		}}
	default:
		return d, fmt.Errorf("lab: unknown strategy %q", s)
	}
	return d, nil
}
