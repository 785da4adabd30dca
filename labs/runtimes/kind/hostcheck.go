package kind

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
	"sigs.k8s.io/kind/pkg/apis/config/defaults"

	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/internal/dockerx"
	"github.com/bloglabs/posts/tools/images"
)

// ErrHost is wrapped by the error [CheckHost] returns when kind cannot run
// on this machine.
var ErrHost = errors.New("kind cannot run on this machine")

// HostError says everything that keeps kind from running here, at once.
type HostError struct {
	// Missing are the problems, each a phrase that says what is missing
	// and why kind needs it.
	Missing []string
	// DockerWorks is true when the docker command and an engine answered:
	// what runs on Docker without kind can run here.
	DockerWorks bool
}

func (e *HostError) Error() string {
	return ErrHost.Error() + ": " + strings.Join(e.Missing, "; ") +
		". kind needs a machine whose Docker runs privileged containers on cgroup v2 (Docker Desktop, or Docker Engine on a current Linux)"
}

// ForRaceLabs adds to a [HostError] where the race labs run here instead:
// the process runtime, and Docker's where an engine answers. Other errors
// it returns as they are.
func ForRaceLabs(err error) error {
	var he *HostError
	if !errors.As(err, &he) {
		return err
	}
	if he.DockerWorks {
		return fmt.Errorf("%w. Run the labs here with --runtime process or --runtime docker", err)
	}
	return fmt.Errorf("%w. Run the labs here with --runtime process (the docker runtime needs a Docker engine too)", err)
}

func (e *HostError) Unwrap() error { return ErrHost }

// HostFacts are what [CheckHost] found.
type HostFacts struct {
	// DockerCLI: kind drives Docker through the docker command.
	DockerCLI bool
	// EngineErr is why no engine answered, nil when one did.
	EngineErr error
	// CgroupVersion is the engine host's: "1" or "2" ("" unknown).
	CgroupVersion string
	// PrivilegedErr is why a privileged container did not start, nil
	// when it did.
	PrivilegedErr error
}

// nodeKubernetes is the Kubernetes version of kind's default node image:
// "v1.37.0" of "kindest/node:v1.37.0@sha256:...".
func nodeKubernetes() string {
	img := defaults.Image
	if i := strings.LastIndex(img, ":v"); i >= 0 {
		v := img[i+1:]
		v, _, _ = strings.Cut(v, "@")
		return v
	}
	return img
}

// Problems turns facts into the phrases of a HostError; none when kind can
// run.
func (f HostFacts) Problems() []string {
	var out []string
	if !f.DockerCLI {
		out = append(out, "the docker command is not installed (kind creates its nodes through it)")
	}
	if f.EngineErr != nil {
		msg := firstLine(f.EngineErr.Error())
		if !strings.HasPrefix(msg, "no Docker engine") {
			msg = "no Docker engine answers (" + msg + ")"
		}
		out = append(out, msg)
		return out
	}
	if f.CgroupVersion == "1" {
		out = append(out, fmt.Sprintf("the Docker host has cgroup v1, and kind's node image (Kubernetes %s) needs cgroup v2: the kubelet refuses cgroup v1 since Kubernetes 1.35", nodeKubernetes()))
	}
	if f.PrivilegedErr != nil {
		out = append(out, "privileged containers fail ("+firstLine(f.PrivilegedErr.Error())+"), and every kind node is one")
	}
	return out
}

// CheckHost finds out, before anything is created, whether kind can run
// here: the docker command, an engine, cgroup v2 on the engine's host, and
// a privileged container that really starts. It returns a *HostError
// (wrapping ErrHost) that says plainly what is missing, or nil.
func CheckHost(ctx context.Context) error {
	facts := HostFacts{}
	_, err := exec.LookPath("docker")
	facts.DockerCLI = err == nil
	cli, err := dockerx.Connect(ctx)
	if err != nil {
		facts.EngineErr = err
	} else {
		defer cli.Close()
		facts.CgroupVersion = cgroupVersion(ctx, cli)
		facts.PrivilegedErr = tryPrivileged(ctx, cli)
	}
	if p := facts.Problems(); len(p) > 0 {
		return &HostError{Missing: p, DockerWorks: facts.DockerCLI && facts.EngineErr == nil}
	}
	return nil
}

// cgroupVersion asks the engine (its host is the one that matters: a VM
// under Docker Desktop); an engine too old to say is asked about this
// machine's /sys/fs/cgroup instead.
func cgroupVersion(ctx context.Context, cli *client.Client) string {
	if info, err := cli.Info(ctx, client.InfoOptions{}); err == nil && info.Info.CgroupVersion != "" {
		return info.Info.CgroupVersion
	}
	return localCgroupVersion()
}

// probeImage is an image with no files at all, made here: the check must not
// pull anything, and needs no program — whether the runtime applies a
// privileged container's capabilities shows before it looks for one.
const probeImage = "bloglabs/privileged-probe:1"

// tryPrivileged starts a privileged container of probeImage. Its program
// does not exist, so a start that gets as far as looking for it proves the
// privileges were granted; "operation not permitted" before that is the
// refusal kind would meet.
func tryPrivileged(ctx context.Context, cli *client.Client) error {
	if !dockerx.ImageExists(ctx, cli, probeImage) {
		a, err := images.Scratch{Tags: []string{probeImage}, OS: "linux", Arch: appimage.EngineArch(ctx, cli)}.Build()
		if err != nil {
			return fmt.Errorf("build the probe image: %w", err)
		}
		if err := appimage.Load(ctx, cli, a); err != nil {
			return fmt.Errorf("load the probe image: %w", err)
		}
	}
	created, err := cli.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config:     &container.Config{Image: probeImage, Entrypoint: []string{"/no-such-program"}, Labels: map[string]string{"dev.bloglabs.probe": "privileged"}},
		HostConfig: &container.HostConfig{Privileged: true},
	})
	if err != nil {
		return fmt.Errorf("docker create --privileged: %w", err)
	}
	defer func() {
		_, _ = cli.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true})
	}()
	_, err = cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{})
	switch {
	case err == nil:
		return nil
	case strings.Contains(err.Error(), "no-such-program"):
		return nil
	default:
		return fmt.Errorf("docker run --privileged: %s", runcReason(err.Error()))
	}
}

// runcReason keeps the end of an OCI runtime error: "unable to apply caps:
// operation not permitted".
func runcReason(msg string) string {
	if i := strings.Index(msg, "unable to start container process: "); i >= 0 {
		msg = msg[i+len("unable to start container process: "):]
	}
	return strings.TrimSuffix(strings.TrimSpace(msg), ": unknown")
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
