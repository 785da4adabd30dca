//go:build unix

package kind_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/bloglabs/posts/labs/runtimes/kind"
)

func TestHostProblemsSayWhatIsMissing(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		facts kind.HostFacts
		want  []string
	}{
		"a laptop": {kind.HostFacts{DockerCLI: true, CgroupVersion: "2"}, nil},
		"no docker": {kind.HostFacts{EngineErr: errors.New("dial unix /var/run/docker.sock: connect: no such file or directory")},
			[]string{"docker command is not installed", "no Docker engine answers"}},
		"this machine": {kind.HostFacts{DockerCLI: true, CgroupVersion: "1", PrivilegedErr: errors.New("docker run --privileged: unable to apply caps: operation not permitted")},
			[]string{"cgroup v1", "needs cgroup v2", "privileged containers fail", "unable to apply caps"}},
	} {
		got := strings.Join(tc.facts.Problems(), "; ")
		if len(tc.want) == 0 && got != "" {
			t.Errorf("%s: problems %q, want none", name, got)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: problems %q lack %q", name, got, w)
			}
		}
	}
}

// The check detects, for real, what this machine lacks: its answer must
// agree with the cgroup file system and with what docker run --privileged
// does. On the project's machines (cgroup v1, privileged containers
// refused) it names both.
func TestCheckHostOnThisMachine(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts a container")
	}
	if exec.Command("docker", "version").Run() != nil {
		t.Skip("no Docker engine answers: nothing to check against (install docker.io and start dockerd)")
	}
	err := kind.CheckHost(context.Background())
	var st syscall.Statfs_t
	cgroupV1 := syscall.Statfs("/sys/fs/cgroup", &st) == nil && st.Type != 0x63677270
	if err == nil {
		if cgroupV1 {
			t.Fatal("CheckHost passed on a cgroup v1 host")
		}
		t.Log("kind can run here")
		return
	}
	if !errors.Is(err, kind.ErrHost) {
		t.Fatalf("CheckHost = %v, want an error wrapping ErrHost", err)
	}
	t.Logf("kind host check: %v", err)
	if cgroupV1 && !strings.Contains(err.Error(), "cgroup v1") {
		t.Errorf("this host has cgroup v1 but the message does not say so: %v", err)
	}
	// Ask docker itself, with the probe image the check left behind.
	out, _ := exec.Command("docker", "run", "--rm", "--privileged", "--entrypoint", "/no-such-program", "bloglabs/privileged-probe:1").CombinedOutput()
	refused := strings.Contains(string(out), "operation not permitted")
	if refused != strings.Contains(err.Error(), "privileged containers fail") {
		t.Errorf("docker run --privileged says %q, the check says %v", out, err)
	}
	// An engine answered here, so the race labs' docker runtime is named.
	if msg := kind.ForRaceLabs(err).Error(); !strings.Contains(msg, "--runtime process or --runtime docker") {
		t.Errorf("the race labs' message does not say what to do instead: %v", msg)
	}
}

// The race labs say where they run instead: the docker runtime only where
// an engine answered (exercise 07's walk-through met the docker runtime
// suggested on a machine without Docker); anything else passes unchanged.
func TestForRaceLabs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		err       error
		want, not string
	}{
		{&kind.HostError{Missing: []string{"cgroup v1"}, DockerWorks: true}, "--runtime process or --runtime docker", "needs a Docker engine too"},
		{&kind.HostError{Missing: []string{"no Docker engine answers"}}, "--runtime process (the docker runtime needs a Docker engine too)", "or --runtime docker"},
	} {
		msg := kind.ForRaceLabs(tc.err).Error()
		if !strings.Contains(msg, tc.want) || strings.Contains(msg, tc.not) || !errors.Is(kind.ForRaceLabs(tc.err), kind.ErrHost) {
			t.Errorf("ForRaceLabs(%v) = %q; want %q, no %q, wrapping ErrHost", tc.err, msg, tc.want, tc.not)
		}
	}
	other := errors.New("kind: list clusters: boom")
	if got := kind.ForRaceLabs(other); got != other {
		t.Errorf("ForRaceLabs(%v) = %v; want it unchanged", other, got)
	}
}
