package docker_test

import (
	"context"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/docker"
	"github.com/bloglabs/posts/labs/spec"
)

var (
	imageOnce sync.Once
	imageTag  string
	imageErr  error
)

// labImage builds the lab image once per test binary, or skips when no
// Docker engine answers.
func labImage(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds an image and runs containers")
	}
	if exec.Command("docker", "version").Run() != nil {
		t.Skip("no Docker engine answers (install docker.io and start dockerd)")
	}
	imageOnce.Do(func() {
		img, err := appimage.Build(context.Background(), appimage.Options{})
		if err == nil {
			imageTag = img.Tag
		}
		imageErr = err
	})
	if imageErr != nil {
		t.Fatal(imageErr)
	}
	return imageTag
}

type recorder struct {
	mu     sync.Mutex
	events []runtimes.Event
}

func (r *recorder) sink(e runtimes.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) of(replica int) []runtimes.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []runtimes.Event
	for _, e := range r.events {
		if e.Replica == replica && e.Kind != runtimes.Output {
			out = append(out, e)
		}
	}
	return out
}

func (r *recorder) count(kind runtimes.EventKind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

// run runs d until every replica gave up (or 60 s pass), then closes the
// runtime and checks that it left nothing behind.
func run(t *testing.T, rt *docker.Runtime, d spec.Deployment) *recorder {
	t.Helper()
	rec := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx, d, rec.sink) }()
	for rec.count(runtimes.GaveUp) < d.Replicas {
		select {
		case err := <-done:
			t.Fatalf("Run returned early: %v", err)
		case <-ctx.Done():
			t.Fatalf("replicas did not all give up within 60s; events: %v", rec.events)
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	net := rt.Network()
	if err := rt.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label="+docker.LabelNetwork+"="+net).Output()
	if strings.TrimSpace(string(out)) != "" {
		t.Errorf("containers left after Close: %s", out)
	}
	if exec.Command("docker", "network", "inspect", net).Run() == nil {
		t.Errorf("network %s left after Close", net)
	}
	return rec
}

// Each replica runs its init container to completion, then its main
// container, restarted with back-off until the pod gives up — the process
// runtime's semantics, with exit codes from Docker. All first containers
// start after the release.
func TestInitThenMainWithRestarts(t *testing.T) {
	t.Parallel()
	img := labImage(t)
	rt := docker.New(docker.Options{Image: img, RestartPolicy: runtimes.RestartPolicy{MaxRestarts: 2, BackoffInitial: 10 * time.Millisecond}})
	d := spec.Deployment{
		Name: "rt", Replicas: 3,
		InitContainers: []spec.Container{{Name: "init", Command: []string{"demoapp", "version"}}},
		Container:      spec.Container{Name: "app", Command: []string{"demoapp", "no-such-command"}},
	}
	rec := run(t, rt, d)
	var released time.Time
	for _, e := range rec.events {
		if e.Kind == runtimes.Released {
			released = e.Time
		}
	}
	if released.IsZero() {
		t.Fatal("no Released event")
	}
	for i := range d.Replicas {
		var got []string
		for _, e := range rec.of(i) {
			s := string(e.Kind) + ":" + e.Container
			if e.Kind == runtimes.Crashed || e.Kind == runtimes.InitDone {
				s += ":" + strconv.Itoa(e.ExitCode)
			}
			got = append(got, s)
		}
		want := "started:init init-done:init:0 started:app crashed:app:64 restarted:app crashed:app:64 restarted:app crashed:app:64 gave-up:"
		if strings.Join(got, " ") != want {
			t.Errorf("replica %d:\n got %s\nwant %s", i, strings.Join(got, " "), want)
		}
		first := rec.of(i)[0]
		if first.Time.Before(released.Add(-50 * time.Millisecond)) {
			t.Errorf("replica %d started at %v, before the release at %v", i, first.Time, released)
		}
		if first.Pod != d.PodName(i) {
			t.Errorf("replica %d is named %q, want %q", i, first.Pod, d.PodName(i))
		}
	}
	// The init container's output came through Docker's log stream.
	found := false
	for _, e := range rec.events {
		if e.Kind == runtimes.Output && e.Container == "init" && e.Detail == "4" {
			found = true
		}
	}
	if !found {
		t.Error("no output line \"4\" from demoapp version")
	}
}

// A command the image does not have fails to start: exit -1 and Docker's
// reason, as the process runtime reports a program it cannot find.
func TestCommandNotInImage(t *testing.T) {
	t.Parallel()
	img := labImage(t)
	rt := docker.New(docker.Options{Image: img, RestartPolicy: runtimes.RestartPolicy{NoRestarts: true}})
	d := spec.Deployment{Name: "nf", Replicas: 1, Container: spec.Container{Name: "app", Command: []string{"no-such-program"}}}
	rec := run(t, rt, d)
	var crash *runtimes.Event
	for _, e := range rec.of(0) {
		if e.Kind == runtimes.Crashed {
			crash = &e
		}
	}
	if crash == nil || crash.ExitCode != -1 || !strings.Contains(crash.Detail, "no-such-program") {
		t.Errorf("crash %+v, want exit -1 naming the missing program", crash)
	}
}

func TestMissingImage(t *testing.T) {
	t.Parallel()
	labImage(t)
	rt := docker.New(docker.Options{Image: "bloglabs/no-such-image:0"})
	defer rt.Close()
	err := rt.Prepare(context.Background())
	if err == nil || !strings.Contains(err.Error(), "images:lab") {
		t.Errorf("Prepare with a missing image = %v, want an error naming go tool mage images:lab", err)
	}
}
