package doctor

import (
	"fmt"
	"os"
	"strings"
)

// Scope is how much of the repository a laptop is made ready for: what
// `prepare` fetches and what the doctor's module check asks for.
type Scope string

const (
	// ScopeWorkshop is what the workshop's exercises and the lab targets
	// build from: the lab, demoapp, runonce, pgtemp and cisim commands as
	// `go run` builds them (the race labs' process runtime, the
	// simulator), the doctor and prepare commands, mage and the magefile.
	// It leaves out the commands' full builds (build tag labsfull: Docker,
	// kind, the Kubernetes clients), the images, the local Kubernetes
	// control plane, the repository's tests and the linters.
	ScopeWorkshop Scope = "workshop"
	// ScopeAll is everything: every package and test on this system, the
	// full builds, the tools pinned in go.mod (mage, staticcheck), the
	// nested modules under tools/ that build the local control plane, and
	// the images where Docker runs.
	ScopeAll Scope = "all"
)

// EnvScope names the environment variable that chooses the scope when no
// --scope flag does.
const EnvScope = "PREPARE_SCOPE"

// Scopes returns every scope, smallest first.
func Scopes() []Scope { return []Scope{ScopeWorkshop, ScopeAll} }

// ParseScope reads a scope's name; "" is the default, [ScopeWorkshop].
func ParseScope(s string) (Scope, error) {
	switch Scope(s) {
	case "":
		return ScopeWorkshop, nil
	case ScopeWorkshop, ScopeAll:
		return Scope(s), nil
	}
	return "", fmt.Errorf("no scope %q (scopes: %s, %s)", s, ScopeWorkshop, ScopeAll)
}

// ScopeFromEnv is the scope $PREPARE_SCOPE names, the default when unset.
func ScopeFromEnv() (Scope, error) {
	s, err := ParseScope(strings.TrimSpace(os.Getenv(EnvScope)))
	if err != nil {
		return "", fmt.Errorf("%s: %w", EnvScope, err)
	}
	return s, nil
}

// WorkshopCommands are the commands the exercises and the lab targets run
// (`go run` or `go build` in docs/workshop, `go run` in the magefile).
var WorkshopCommands = []string{
	"./labs/cmd/lab", "./labs/cmd/demoapp", "./runonce/cmd/runonce",
	"./tools/cmd/pgtemp", "./ci-preemptible/cmd/cisim",
	"./tools/cmd/doctor", "./tools/cmd/prepare",
	// The room tools (workshop:check, run, reset), for an attendee offline.
	"./tools/cmd/workshop",
}

// FullTag is the build tag of the lab and cisim commands' full builds
// (labs/labkit/fullbuild.Tag), which a run hands over to when it names
// Docker, kind or a cluster; [FullCommands] are those commands.
const FullTag = "labsfull"

// FullCommands are the commands with a full build (-tags [FullTag]).
var FullCommands = []string{"./labs/cmd/lab", "./ci-preemptible/cmd/cisim"}

// mageTool is the module `go tool mage` runs; the workshop needs it, and no
// other tool.
const mageTool = "github.com/magefile/mage"

// Loads are the `go list -deps` argument lists, run in the repository's
// folder, that load every package the scope builds from: prepare runs them
// online to fetch the modules, the doctor offline to check for them.
func (s Scope) Loads() [][]string {
	if s == ScopeAll {
		return [][]string{{"-test", "./..."}, append([]string{"-tags=" + FullTag}, FullCommands...), {"tool"}}
	}
	return [][]string{append([]string{}, WorkshopCommands...), {mageTool}, {"-tags=mage", "magefile.go"}}
}

// LeavesOut says what a laptop prepared with this scope cannot do offline.
func (s Scope) LeavesOut() string {
	if s == ScopeAll {
		return "nothing"
	}
	return "the full builds of lab and cisim (Docker, kind, Kubernetes clients: lab --runtime docker|kind|kubernetes, " +
		"--postgres testcontainers, the images; cisim --runtime kwok|kind, exercise 07's kind step), " +
		"the local Kubernetes control plane (cluster:local, lab:preemptibleLive), the repository's tests and lint (staticcheck); " +
		"prepare --scope all fetches them"
}
