package doctor

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"strings"

	"github.com/bloglabs/posts/tools/images"
)

// kindHost are the facts kind's host check needs: the same as
// labs/runtimes/kind.CheckHost finds through the Docker API, found here
// through the docker command so that the doctor links no Docker client.
type kindHost struct {
	engineErr     error  // why no engine answers; nil when one does
	cgroupVersion string // the engine host's: "1", "2" or "" (unknown)
	privilegedErr error  // why a privileged container did not start
}

// judgeKind turns the facts into the check's outcome.
func judgeKind(h kindHost) outcome {
	if h.engineErr != nil {
		return fail("needs a Docker engine, and none answers (see the Docker line)")
	}
	var problems []string
	if h.cgroupVersion == "1" {
		problems = append(problems, "the Docker host has cgroup v1, and kind's node images need cgroup v2 (the kubelet refuses cgroup v1 since Kubernetes 1.35)")
	}
	if h.privilegedErr != nil {
		problems = append(problems, "privileged containers fail ("+h.privilegedErr.Error()+"), and every kind node is one")
	}
	if len(problems) > 0 {
		return fail("%s", strings.Join(problems, "; "))
	}
	return pass("this machine can run kind clusters (for --runtime kind)")
}

func checkKind(ctx context.Context) outcome {
	var h kindHost
	if _, h.engineErr = engineVersion(ctx); h.engineErr == nil {
		h.cgroupVersion, _ = docker(ctx, "info", "--format", "{{.CgroupVersion}}")
		h.privilegedErr = tryPrivileged(ctx)
	}
	return judgeKind(h)
}

// probeImage has no files at all and is made here: the check must not pull
// anything. The labs' kind runtime uses the same one.
const probeImage = "bloglabs/privileged-probe:1"

// tryPrivileged starts a privileged container whose program does not
// exist: a start that gets as far as looking for it proves the privileges
// were granted; "operation not permitted" before that is the refusal kind
// would meet.
func tryPrivileged(ctx context.Context) error {
	if _, err := docker(ctx, "image", "inspect", probeImage); err != nil {
		arch, _ := docker(ctx, "version", "--format", "{{.Server.Arch}}")
		if arch == "" {
			arch = runtime.GOARCH
		}
		a, err := images.Scratch{Tags: []string{probeImage}, OS: "linux", Arch: arch}.Build()
		if err != nil {
			return fmt.Errorf("build the probe image: %w", err)
		}
		load := exec.CommandContext(ctx, "docker", "load")
		load.Stdin = a.Reader()
		if out, err := load.CombinedOutput(); err != nil {
			return fmt.Errorf("docker load: %s", firstLine(string(bytes.TrimSpace(out))))
		}
	}
	out, err := docker(ctx, "run", "--rm", "--privileged", "--label", "dev.bloglabs.probe=privileged", "--entrypoint", "/no-such-program", probeImage)
	if err == nil || strings.Contains(out, "no-such-program") {
		return nil
	}
	return fmt.Errorf("docker run --privileged: %s", runcReason(out))
}

// runcReason keeps the end of an OCI runtime error: "unable to apply caps:
// operation not permitted".
func runcReason(msg string) string {
	msg = firstLine(msg)
	if i := strings.Index(msg, "unable to start container process: "); i >= 0 {
		msg = msg[i+len("unable to start container process: "):]
	}
	return strings.TrimSuffix(strings.TrimSpace(msg), ": unknown")
}
