package appimage_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bloglabs/posts/labs/appimage"
	"github.com/bloglabs/posts/labs/internal/binaries"
)

// imageFiles reads the archive's single layer and its config.
func imageFiles(t *testing.T, archive []byte) (layer map[string]int64, cfg map[string]any) {
	t.Helper()
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(archive))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		files[h.Name] = b
	}
	var manifest []struct {
		Config string
		Layers []string
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(files[manifest[0].Config], &cfg); err != nil {
		t.Fatal(err)
	}
	layer = map[string]int64{}
	lr := tar.NewReader(bytes.NewReader(files[manifest[0].Layers[0]]))
	for {
		h, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		layer[h.Name] = h.Mode
	}
	return layer, cfg
}

func TestAssembleLayoutAndTag(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"demoapp", "runonce"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("fake "+name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	progs := []binaries.Program{binaries.Demoapp, binaries.Runonce}
	a, err := appimage.Assemble(dir, "amd64", progs)
	if err != nil {
		t.Fatal(err)
	}
	if tag := a.Tags[0]; !strings.HasPrefix(tag, appimage.Repository+":") || !strings.HasPrefix(a.ID, "sha256:"+strings.TrimPrefix(tag, appimage.Repository+":")) {
		t.Errorf("tag %s, ID %s: want the tag to be the ID's first 12 digits", tag, a.ID)
	}
	var buf bytes.Buffer
	if _, err := a.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	layer, cfg := imageFiles(t, buf.Bytes())
	for _, want := range []string{"usr/local/bin/demoapp", "usr/local/bin/runonce", "tmp/"} {
		if _, ok := layer[want]; !ok {
			t.Errorf("layer lacks %s: %v", want, layer)
		}
	}
	if layer["tmp/"] != 0o1777 {
		t.Errorf("/tmp mode %o, want 1777", layer["tmp/"])
	}
	c := cfg["config"].(map[string]any)
	if c["User"] != appimage.User || !slices.Contains(toStrings(c["Env"]), "PATH="+appimage.BinPath) {
		t.Errorf("config %v: want user %s and PATH=%s", c, appimage.User, appimage.BinPath)
	}
	b, _ := appimage.Assemble(dir, "amd64", progs)
	if b.ID != a.ID {
		t.Error("the same binaries gave another image")
	}
}

// The Dockerfile for those who build their own must give the layout
// Assemble gives: same folder, PATH, user, working directory and command.
func TestDockerfileMatchesTheBuiltLayout(t *testing.T) {
	t.Parallel()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var final []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "FROM ") {
			final = nil
		}
		if line != "" && !strings.HasPrefix(line, "#") {
			final = append(final, line)
		}
	}
	want := []string{
		"FROM scratch",
		"COPY --from=build /out/demoapp /out/runonce " + appimage.BinPath + "/",
		"COPY --from=build /out/tmp /tmp",
		"ENV PATH=" + appimage.BinPath,
		"USER " + appimage.User,
		"WORKDIR /tmp",
		`CMD ["demoapp", "serve"]`,
	}
	if !slices.Equal(final, want) {
		t.Errorf("final stage:\n%s\nwant:\n%s", strings.Join(final, "\n"), strings.Join(want, "\n"))
	}
}

// The built image runs its programs as nobody, from the engine here.
func TestBuildRunsInDocker(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds an image")
	}
	if exec.Command("docker", "version").Run() != nil {
		t.Skip("no Docker engine answers (install docker.io and start dockerd)")
	}
	var progress strings.Builder
	img, err := appimage.Build(context.Background(), appimage.Options{Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(img.Programs, []string{"demoapp", "runonce"}) {
		t.Fatalf("programs %v, want demoapp and runonce", img.Programs)
	}
	out, err := exec.Command("docker", "run", "--rm", "--entrypoint", "demoapp", img.Tag, "version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "4" {
		t.Errorf("docker run %s demoapp version = %q, %v; want 4", img.Tag, out, err)
	}
	out, err = exec.Command("docker", "image", "inspect", "-f", "{{.Id}} {{.Config.User}}", img.Tag).Output()
	if err != nil || strings.TrimSpace(string(out)) != img.ID+" "+appimage.User {
		t.Errorf("docker image inspect = %q, %v; want %s %s", out, err, img.ID, appimage.User)
	}
	// A second build of the same sources loads nothing.
	progress.Reset()
	again, err := appimage.Build(context.Background(), appimage.Options{Progress: &progress})
	if err != nil || again.Tag != img.Tag || !strings.Contains(progress.String(), "up to date") {
		t.Errorf("rebuild: %v, %v, progress %q; want the same tag, up to date", again, err, progress.String())
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
