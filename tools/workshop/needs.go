package workshop

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"
)

var needsOnce sync.Map // "docker"/"kind" → *needResult

type needResult struct {
	once   sync.Once
	reason string
}

// CannotRun says why a step that needs Docker or kind (Step.Needs) cannot
// run on this machine, or "" when it can. Each check runs once per process,
// bounded by ctx and a minute.
func CannotRun(ctx context.Context, need string) string {
	if need == "" {
		return ""
	}
	v, _ := needsOnce.LoadOrStore(need, &needResult{})
	r := v.(*needResult)
	r.once.Do(func() {
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		var err error
		switch need {
		case "docker":
			err = dockerProbe(ctx)
		case "kind":
			err = kindProbe(ctx)
		default:
			err = fmt.Errorf("unknown need %q (docker or kind)", need)
		}
		if err != nil {
			r.reason = fmt.Sprintf("needs %s: %v", need, err)
		}
	})
	return r.reason
}

func dockerProbe(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").CombinedOutput()
	if err != nil {
		return fmt.Errorf("no Docker engine answers (docker version: %s)", strings.TrimSpace(string(out)))
	}
	return nil
}

// kindProbe asks Docker what kind needs of it: an engine, and cgroup v2
// (kind's node image for Kubernetes 1.35 and later). It does not import the
// lab's full host check (labs/runtimes/kind), whose client-go dependencies
// would triple the workshop test's build under -race; a host that passes
// this and still refuses privileged containers fails the step with kind's
// own words.
func kindProbe(ctx context.Context) error {
	if err := dockerProbe(ctx); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.CgroupVersion}}").Output()
	if err != nil {
		return fmt.Errorf("docker info: %w", err)
	}
	if v := strings.TrimSpace(string(out)); v != "2" {
		return fmt.Errorf("this Docker runs on cgroup v%s, and kind's node image needs cgroup v2", v)
	}
	return nil
}
