package doctor

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Check names one check.
type Check string

// The checks, in the order they run and print.
const (
	CheckGo       Check = "go"
	CheckCC       Check = "cc"
	CheckPostgres Check = "postgres"
	CheckPsql     Check = "psql"
	CheckDisk     Check = "disk"
	CheckModules  Check = "modules"
	CheckRepo     Check = "repo"
	CheckDocker   Check = "docker"
	CheckKind     Check = "kind"
	CheckImages   Check = "images"
)

// Checks returns every check, in order.
func Checks() []Check {
	return []Check{CheckGo, CheckCC, CheckPostgres, CheckPsql, CheckDisk, CheckModules, CheckRepo, CheckDocker, CheckKind, CheckImages}
}

// Title is the check's name on its line.
func (c Check) Title() string {
	switch c {
	case CheckGo:
		return "Go"
	case CheckCC:
		return "C toolchain"
	case CheckPostgres:
		return "PostgreSQL"
	case CheckPsql:
		return "psql"
	case CheckDisk:
		return "free disk"
	case CheckModules:
		return "module cache"
	case CheckRepo:
		return "REPO"
	case CheckDocker:
		return "Docker"
	case CheckKind:
		return "kind"
	case CheckImages:
		return "lab images"
	}
	return string(c)
}

// Required says whether the default labs (process runtime, embedded
// PostgreSQL) or the workshop's exercises need it (psql: exercises 05 and
// 06). The others serve go test -race, the exercises' shell ($REPO, set in
// the attendee's shell, not necessarily where the doctor runs),
// --runtime docker and --runtime kind.
func (c Check) Required() bool {
	switch c {
	case CheckGo, CheckPostgres, CheckPsql, CheckDisk, CheckModules:
		return true
	}
	return false
}

// ParseCheck reads a check's name.
func ParseCheck(s string) (Check, error) {
	for _, c := range Checks() {
		if string(c) == s {
			return c, nil
		}
	}
	names := make([]string, 0, len(Checks()))
	for _, c := range Checks() {
		names = append(names, string(c))
	}
	return "", fmt.Errorf("no check %q (checks: %s)", s, strings.Join(names, ", "))
}

// Status is a check's outcome.
type Status string

const (
	// StatusOK: the check passed.
	StatusOK Status = "ok"
	// StatusFailed: a required check failed; the labs cannot run.
	StatusFailed Status = "failed"
	// StatusMissing: an optional check did not pass; only what needs it
	// (go test -race, --runtime docker or kind) cannot run.
	StatusMissing Status = "missing"
)

// Mark is the status's sign on a line.
func (s Status) Mark() string {
	switch s {
	case StatusOK:
		return "✓"
	case StatusFailed:
		return "✗"
	}
	return "–"
}

// Result is one check's outcome.
type Result struct {
	Check    Check         `json:"check"`
	Title    string        `json:"title"`
	Required bool          `json:"required"`
	Status   Status        `json:"status"`
	Detail   string        `json:"detail"`
	Fix      string        `json:"fix,omitempty"`
	Took     time.Duration `json:"took_ns"`
}

// Report is what [Examine] found.
type Report struct {
	Host     string    `json:"host"`
	Platform Platform  `json:"platform"`
	At       time.Time `json:"at"`
	Results  []Result  `json:"results"`
	Ready    bool      `json:"ready"`
}

// Failed returns the required checks that failed.
func (r Report) Failed() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Status == StatusFailed {
			out = append(out, res)
		}
	}
	return out
}

// ErrNotReady is wrapped by the error [Run] and [Preflight] return when a
// required check failed.
var ErrNotReady = errors.New("not ready")

// NotReadyError lists the required checks that failed, each with its fix.
type NotReadyError struct{ Failed []Result }

func (e *NotReadyError) Error() string {
	var b strings.Builder
	b.WriteString(ErrNotReady.Error() + ":")
	for _, r := range e.Failed {
		fmt.Fprintf(&b, "\n  %s %s: %s", r.Status.Mark(), r.Title, r.Detail)
		if r.Fix != "" {
			fmt.Fprintf(&b, "\n      fix: %s", r.Fix)
		}
	}
	return b.String()
}

func (e *NotReadyError) Unwrap() error { return ErrNotReady }

// verdict decides a result's status from whether its check passed.
func verdict(passed, required bool) Status {
	switch {
	case passed:
		return StatusOK
	case required:
		return StatusFailed
	}
	return StatusMissing
}

// ready is true when no result failed.
func ready(results []Result) bool {
	for _, r := range results {
		if r.Status == StatusFailed {
			return false
		}
	}
	return true
}
