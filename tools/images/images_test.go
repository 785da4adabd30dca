package images_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bloglabs/posts/tools/images"
)

func scratch(t *testing.T) images.Scratch {
	t.Helper()
	return images.Scratch{
		Tags: []string{"bloglabs/images-test:1"},
		OS:   "linux", Arch: "amd64",
		Files:  []images.File{{Path: "/usr/local/bin/hello", Data: []byte("#!hello\n")}, {Path: "etc/motd", Data: []byte("hi\n"), Mode: 0o644}},
		Dirs:   []images.Dir{{Path: "tmp", Mode: 0o1777}},
		Config: images.Config{Env: []string{"PATH=/usr/local/bin"}, Cmd: []string{"hello"}, User: "65534:65534"},
	}
}

// read returns the archive's files by name.
func read(t *testing.T, r io.Reader) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = b
		if h.Typeflag == tar.TypeDir {
			out[h.Name] = []byte("dir " + strconv.FormatInt(h.Mode, 8))
		}
	}
}

// The archive is what `docker save` writes: a manifest naming the config
// and one layer, the config naming the layer's digest, the layer holding the
// files and their parent directories.
func TestArchiveLayout(t *testing.T) {
	t.Parallel()
	a, err := scratch(t).Build()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	files := read(t, &buf)
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if len(manifest) != 1 || len(manifest[0].Layers) != 1 || manifest[0].RepoTags[0] != "bloglabs/images-test:1" {
		t.Fatalf("manifest %+v, want one image with one layer, tagged", manifest)
	}
	if want := strings.TrimPrefix(a.ID, "sha256:") + ".json"; manifest[0].Config != want {
		t.Errorf("config file %s, want %s (the ID is the config's digest)", manifest[0].Config, want)
	}
	var cfg struct {
		Architecture, OS string
		Config           struct {
			Env, Cmd []string
			User     string
		}
		RootFS struct {
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
	}
	if err := json.Unmarshal(files[manifest[0].Config], &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture != "amd64" || cfg.Config.User != "65534:65534" || len(cfg.RootFS.DiffIDs) != 1 {
		t.Errorf("config %+v", cfg)
	}
	layer := read(t, bytes.NewReader(files[manifest[0].Layers[0]]))
	for name, want := range map[string]string{
		"usr/":                "dir 755",
		"usr/local/":          "dir 755",
		"usr/local/bin/":      "dir 755",
		"usr/local/bin/hello": "#!hello\n",
		"etc/":                "dir 755",
		"etc/motd":            "hi\n",
		"tmp/":                "dir 1777",
	} {
		if got := string(layer[name]); got != want {
			t.Errorf("layer %s = %q, want %q", name, got, want)
		}
	}
}

// The same files give the same image ID, whatever the time: an unchanged
// image is recognised as present and not loaded again.
func TestReproducible(t *testing.T) {
	t.Parallel()
	a1, err := scratch(t).Build()
	if err != nil {
		t.Fatal(err)
	}
	a2, _ := scratch(t).Build()
	if a1.ID != a2.ID {
		t.Errorf("two builds of the same files: %s and %s", a1.ID, a2.ID)
	}
	s := scratch(t)
	s.Files[0].Data = []byte("#!changed\n")
	a3, _ := s.Build()
	if a3.ID == a1.ID {
		t.Error("a changed file kept the image ID")
	}
	s = scratch(t)
	s.Tags = []string{"other:2"}
	a4, _ := s.Build()
	if a4.ID != a1.ID {
		t.Error("the tag changed the image ID; it must not (images are tagged by their ID)")
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	for name, s := range map[string]images.Scratch{
		"no OS":     {Arch: "amd64"},
		"root path": {OS: "linux", Arch: "amd64", Files: []images.File{{Path: "/"}}},
		"no source": {OS: "linux", Arch: "amd64", Files: []images.File{{Path: "x", Source: filepath.Join(t.TempDir(), "missing")}}},
	} {
		if _, err := s.Build(); err == nil {
			t.Errorf("%s: Build succeeded", name)
		}
	}
	a, _ := images.Scratch{OS: "linux", Arch: "amd64"}.Build()
	if _, err := a.WriteTo(io.Discard); err == nil {
		t.Error("WriteTo without a tag succeeded")
	}
}

// docker load takes the archive, and the engine sees the ID computed here.
func TestDockerLoads(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: loads an image into Docker")
	}
	if exec.Command("docker", "version").Run() != nil {
		t.Skip("no Docker engine answers (install docker.io and start dockerd)")
	}
	s := scratch(t)
	s.Tags = []string{"bloglabs/images-test:load"}
	a, err := s.Build()
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
		t.Fatalf("docker load: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "bloglabs/images-test:load").Run() })
	out, err := exec.Command("docker", "image", "inspect", "-f", "{{.Id}} {{.Config.User}}", "bloglabs/images-test:load").Output()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.TrimSpace(string(out)), a.ID+" 65534:65534"; got != want {
		t.Errorf("docker image inspect = %q, want %q", got, want)
	}
}
