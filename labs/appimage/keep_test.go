package appimage_test

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/tools/images"
)

// Build loads a new lab image and removes nothing it did not make in that
// run: an older lab image with a content tag (which another checkout, a
// cluster or a test may be about to use) and one a container uses both
// stay. (It once pruned every other content-tagged bloglabs/lab image.)
func TestBuildKeepsImagesItDidNotMake(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds an image")
	}
	if exec.Command("docker", "version").Run() != nil {
		t.Skip("no Docker engine answers (install docker.io and start dockerd)")
	}
	older, inUse := appimage.Repository+":0000000000a1", appimage.Repository+":0000000000a2"
	for i, tag := range []string{older, inUse} {
		loadScratch(t, tag, byte(i))
	}
	_ = exec.Command("docker", "rm", "-f", "appimage-keep-test").Run() // from a killed run
	out, err := exec.Command("docker", "create", "--name", "appimage-keep-test", inUse, "/x").CombinedOutput()
	if err != nil {
		t.Fatalf("docker create: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", "appimage-keep-test").Run() })
	// Another architecture makes an image of another tag, which this
	// Build must load (and the old Build then pruned around it); it is
	// removed after, so that the next run loads it again.
	img, err := appimage.Build(context.Background(), appimage.Options{Arch: otherArch()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", img.Tag).Run() })
	for _, tag := range []string{older, inUse, img.Tag} {
		if err := exec.Command("docker", "image", "inspect", tag).Run(); err != nil {
			t.Errorf("after Build, image %s is gone: %v", tag, err)
		}
	}
}

func otherArch() string {
	out, _ := exec.Command("docker", "version", "-f", "{{.Server.Arch}}").Output()
	if strings.TrimSpace(string(out)) == "arm64" {
		return "amd64"
	}
	return "arm64"
}

// loadScratch loads a one-file image tagged tag into Docker, removed at the
// end of the test.
func loadScratch(t *testing.T, tag string, content byte) {
	t.Helper()
	a, err := images.Scratch{Tags: []string{tag}, OS: "linux", Arch: "amd64",
		Files: []images.File{{Path: "x", Data: []byte{content}}}}.Build()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	load := exec.Command("docker", "load")
	load.Stdin = &buf
	if out, err := load.CombinedOutput(); err != nil {
		t.Fatalf("docker load: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", tag).Run() })
}
