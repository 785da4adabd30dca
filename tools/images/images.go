package images

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"
)

// File is a file of an image.
type File struct {
	// Path inside the image, absolute or relative to /: "usr/local/bin/app".
	Path string
	// Source is the file on disk to copy; or set Data.
	Source string
	// Data is the file's content when Source is "".
	Data []byte
	// Mode is the permission bits. Defaults to 0o755 (a program).
	Mode fs.FileMode
}

// Dir is a directory of an image that must exist even if empty (/tmp).
type Dir struct {
	Path string
	Mode fs.FileMode
}

// Config is what a container of the image starts with: the image config's
// fields of the same names.
type Config struct {
	Env        []string
	Entrypoint []string
	Cmd        []string
	User       string
	WorkingDir string
	Labels     map[string]string
}

// Scratch is an image made of one layer on top of nothing.
type Scratch struct {
	// Tags name the image ("bloglabs/lab:3f2a..."). They may be set on the
	// Archive instead.
	Tags   []string
	Files  []File
	Dirs   []Dir
	Config Config
	// OS and Arch of the files, e.g. "linux" and "amd64".
	OS, Arch string
}

// epoch is every file's time and the image's creation time: the archive
// depends on the files' contents only.
var epoch = time.Unix(0, 0).UTC()

// Archive is a built image, ready to be written.
type Archive struct {
	// ID is the image ID the engine will show: sha256 of the config.
	ID string
	// Tags name the image in the archive; Build sets them from Scratch.Tags.
	// The ID does not depend on them, so an image can be tagged by it.
	Tags   []string
	config []byte
	layer  []byte
}

// Build lays out the layer and the image config. The layer is held in
// memory: images here are a few static binaries, tens of MB.
func (s Scratch) Build() (*Archive, error) {
	if s.OS == "" || s.Arch == "" {
		return nil, errors.New("images: OS and Arch are required")
	}
	layer, err := s.layer()
	if err != nil {
		return nil, err
	}
	diffID := sha256.Sum256(layer)
	cfg := imageConfig{
		Architecture: s.Arch, OS: s.OS, Created: epoch,
		Config: containerConfig{Env: s.Config.Env, Entrypoint: s.Config.Entrypoint, Cmd: s.Config.Cmd,
			User: s.Config.User, WorkingDir: s.Config.WorkingDir, Labels: s.Config.Labels},
		RootFS:  rootFS{Type: "layers", DiffIDs: []string{"sha256:" + hex.EncodeToString(diffID[:])}},
		History: []history{{Created: epoch, CreatedBy: "github.com/bloglabs/posts/tools/images (FROM scratch)"}},
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("images: config: %w", err)
	}
	id := sha256.Sum256(b)
	return &Archive{ID: "sha256:" + hex.EncodeToString(id[:]), Tags: s.Tags, config: b, layer: layer}, nil
}

// WriteTo writes the archive as `docker save` does (manifest.json, the
// config, one layer.tar).
func (a *Archive) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	tw := tar.NewWriter(cw)
	if len(a.Tags) == 0 {
		return 0, errors.New("images: no tag")
	}
	hexID := strings.TrimPrefix(a.ID, "sha256:")
	layerDir := hexID[:32]
	manifest, err := json.Marshal([]manifestEntry{{Config: hexID + ".json", RepoTags: a.Tags, Layers: []string{layerDir + "/layer.tar"}}})
	if err != nil {
		return cw.n, fmt.Errorf("images: manifest: %w", err)
	}
	entries := []struct {
		name string
		data []byte
	}{
		{hexID + ".json", a.config},
		{layerDir + "/layer.tar", a.layer},
		{"manifest.json", manifest},
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: layerDir + "/", Mode: 0o755, ModTime: epoch, Format: tar.FormatPAX}); err != nil {
		return cw.n, fmt.Errorf("images: %w", err)
	}
	for _, e := range entries {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Mode: 0o644, Size: int64(len(e.data)), ModTime: epoch, Format: tar.FormatPAX}); err != nil {
			return cw.n, fmt.Errorf("images: %w", err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return cw.n, fmt.Errorf("images: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return cw.n, fmt.Errorf("images: %w", err)
	}
	return cw.n, nil
}

// Reader returns the archive as a stream, for an API that reads one.
func (a *Archive) Reader() io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		_, err := a.WriteTo(pw)
		pw.CloseWithError(err)
	}()
	return pr
}

// layer is the tar of the files, with their parent directories, sorted.
func (s Scratch) layer() ([]byte, error) {
	type entry struct {
		hdr  *tar.Header
		data []byte
	}
	byPath := map[string]entry{}
	addDir := func(p string, mode fs.FileMode) {
		if mode == 0 {
			mode = 0o755
		}
		byPath[p+"/"] = entry{hdr: &tar.Header{Typeflag: tar.TypeDir, Name: p + "/", Mode: int64(mode), ModTime: epoch, Format: tar.FormatPAX}}
	}
	parents := func(p string) {
		for d := path.Dir(p); d != "." && d != "/"; d = path.Dir(d) {
			if _, ok := byPath[d+"/"]; !ok {
				addDir(d, 0o755)
			}
		}
	}
	for _, d := range s.Dirs {
		p, err := clean(d.Path)
		if err != nil {
			return nil, err
		}
		parents(p)
		addDir(p, d.Mode)
	}
	for _, f := range s.Files {
		p, err := clean(f.Path)
		if err != nil {
			return nil, err
		}
		data := f.Data
		if f.Source != "" {
			if data, err = os.ReadFile(f.Source); err != nil {
				return nil, fmt.Errorf("images: %w", err)
			}
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o755
		}
		parents(p)
		byPath[p] = entry{hdr: &tar.Header{Typeflag: tar.TypeReg, Name: p, Mode: int64(mode), Size: int64(len(data)), ModTime: epoch, Format: tar.FormatPAX}, data: data}
	}
	names := make([]string, 0, len(byPath))
	for n := range byPath {
		names = append(names, n)
	}
	slices.Sort(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		e := byPath[n]
		if err := tw.WriteHeader(e.hdr); err != nil {
			return nil, fmt.Errorf("images: layer: %w", err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, fmt.Errorf("images: layer: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("images: layer: %w", err)
	}
	return buf.Bytes(), nil
}

func clean(p string) (string, error) {
	c := strings.TrimPrefix(path.Clean("/"+p), "/")
	if c == "" || strings.HasPrefix(c, "..") {
		return "", fmt.Errorf("images: bad path %q", p)
	}
	return c, nil
}

type imageConfig struct {
	Architecture string          `json:"architecture"`
	OS           string          `json:"os"`
	Created      time.Time       `json:"created"`
	Config       containerConfig `json:"config"`
	RootFS       rootFS          `json:"rootfs"`
	History      []history       `json:"history"`
}

type containerConfig struct {
	Env        []string          `json:"Env,omitempty"`
	Entrypoint []string          `json:"Entrypoint,omitempty"`
	Cmd        []string          `json:"Cmd,omitempty"`
	User       string            `json:"User,omitempty"`
	WorkingDir string            `json:"WorkingDir,omitempty"`
	Labels     map[string]string `json:"Labels,omitempty"`
}

type rootFS struct {
	Type    string   `json:"type"`
	DiffIDs []string `json:"diff_ids"`
}

type history struct {
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
}

type manifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
