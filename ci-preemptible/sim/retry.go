package sim

import (
	"bytes"
	"fmt"
	"slices"
)

// Retry is GitLab CI's retry keyword.
type Retry struct {
	// Max is how many times a failed job is retried (GitLab allows 0 to 2).
	Max int `json:"max"`
	// When lists failure reasons that are retried; empty means always.
	When []string `json:"when,omitempty"`
}

// UnmarshalJSON accepts both GitLab forms: `retry: 2` and `retry: {max: 2, when: [...]}`.
func (r *Retry) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '{' {
		var n int
		if err := jsonUnmarshalStrict(b, &n); err != nil {
			return fmt.Errorf("retry: %w", err)
		}
		*r = Retry{Max: n}
		return nil
	}
	type plain Retry
	var p plain
	if err := jsonUnmarshalStrict(b, &p); err != nil {
		return fmt.Errorf("retry: %w", err)
	}
	*r = Retry(p)
	return nil
}

// Failure reasons GitLab reports; the simulator produces runner_system_failure.
const (
	// ReasonRunnerSystemFailure is what a job gets when its pod dies with
	// the node or never starts within poll_timeout.
	ReasonRunnerSystemFailure = "runner_system_failure"
	// ReasonScriptFailure is what a job gets when its script fails; older
	// gitlab-runners also gave it to a job whose pod died with its node
	// (Jobs.PreemptionMisreported).
	ReasonScriptFailure = "script_failure"
)

// gitlabRetryWhen are the values GitLab accepts in retry:when.
var gitlabRetryWhen = []string{
	"always", "unknown_failure", "script_failure", "api_failure",
	"stuck_or_timeout_failure", "runner_system_failure", "runner_unsupported",
	"stale_schedule", "job_execution_timeout", "archived_failure",
	"unmet_prerequisites", "scheduler_failure", "data_integrity_failure",
}

// Retries reports whether GitLab retries a job that failed for reason on
// its attempt-th try (1-based). A nil Retry never retries.
func (r *Retry) Retries(attempt int, reason string) bool {
	if r == nil || attempt > r.Max {
		return false
	}
	if len(r.When) == 0 {
		return true
	}
	return slices.Contains(r.When, "always") || slices.Contains(r.When, reason)
}
