package pgimage

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// DefaultTag is the image Build makes unless told otherwise.
const DefaultTag = "bloglabs/postgres-offline:15"

// OfficialImage is the official PostgreSQL image, which the labs' container
// provider (labs/postgres/container) prefers and pulls where a registry
// answers; [DefaultTag] stands in for it where none does. It is named here,
// in tools, so that the doctor and prepare can look for it without
// importing the labs.
const OfficialImage = "postgres:17"

//go:embed docker-entrypoint.sh
var entrypoint []byte

// ErrNoDocker is returned when no Docker engine answers.
var ErrNoDocker = errors.New("no Docker engine answers (`docker version` failed); install Docker (Debian: apt-get install -y docker.io, then start dockerd) and try again")

// ErrNoDebootstrap is returned when debootstrap is missing.
var ErrNoDebootstrap = errors.New("debootstrap not found; install it: apt-get install -y debootstrap")

// Options configure Build. The zero value builds DefaultTag from Debian
// bookworm's postgresql-15.
type Options struct {
	// Tag of the image. Defaults to DefaultTag.
	Tag string
	// Suite is the Debian release. Defaults to "bookworm".
	Suite string
	// Packages to install. Defaults to postgresql-15.
	Packages []string
	// PGVersion is the major version the packages install, for PATH.
	// Defaults to 15.
	PGVersion int
	// Mirror is the Debian mirror URL. Defaults to the one apt uses on this
	// machine (/etc/apt/sources.list.d/*.sources or sources.list).
	Mirror string
	// Rebuild builds even when the image exists.
	Rebuild bool
	// Logger receives progress. Defaults to slog.Default().
	Logger *slog.Logger
	// Output receives the output of debootstrap and docker. Defaults to
	// discarding it (it is included in errors).
	Output io.Writer
}

func (o *Options) defaults() {
	if o.Tag == "" {
		o.Tag = DefaultTag
	}
	if o.Suite == "" {
		o.Suite = "bookworm"
	}
	if o.PGVersion == 0 {
		o.PGVersion = 15
	}
	if len(o.Packages) == 0 {
		o.Packages = []string{fmt.Sprintf("postgresql-%d", o.PGVersion)}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
}

// Exists says whether the local Docker engine has the image.
func Exists(ctx context.Context, tag string) bool {
	return exec.CommandContext(ctx, "docker", "image", "inspect", tag).Run() == nil
}

// Build makes the image unless it exists (or Rebuild), and returns its tag.
func Build(ctx context.Context, opts Options) (string, error) {
	opts.defaults()
	log := opts.Logger
	if err := exec.CommandContext(ctx, "docker", "version").Run(); err != nil {
		return "", ErrNoDocker
	}
	if !opts.Rebuild && Exists(ctx, opts.Tag) {
		log.Info("offline Postgres image already built", "image", opts.Tag)
		return opts.Tag, nil
	}
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return "", ErrNoDebootstrap
	}
	if opts.Mirror == "" {
		m, err := DebianMirror()
		if err != nil {
			return "", err
		}
		opts.Mirror = m
	}
	root, err := os.MkdirTemp("", "pgimage-")
	if err != nil {
		return "", fmt.Errorf("pgimage: %w", err)
	}
	defer os.RemoveAll(root)

	t0 := time.Now()
	log.Info("building the offline Postgres image: debootstrap (about a minute)", "suite", opts.Suite, "packages", opts.Packages, "mirror", opts.Mirror)
	if err := run(ctx, opts.Output, nil, "debootstrap", "--variant=minbase", "--include="+strings.Join(opts.Packages, ","),
		opts.Suite, root, opts.Mirror); err != nil {
		return "", fmt.Errorf("pgimage: debootstrap: %w", err)
	}
	if err := finishRootFS(root, opts.PGVersion); err != nil {
		return "", err
	}
	log.Info("importing into Docker", "image", opts.Tag, "debootstrap_took", time.Since(t0).Round(time.Second))
	if err := importRootFS(ctx, root, opts); err != nil {
		return "", err
	}
	log.Info("offline Postgres image built", "image", opts.Tag, "took", time.Since(t0).Round(time.Second))
	return opts.Tag, nil
}

// finishRootFS adds the entrypoint and trims what a server never reads.
func finishRootFS(root string, pgVersion int) error {
	p := filepath.Join(root, "usr/local/bin/docker-entrypoint.sh")
	if err := os.WriteFile(p, entrypoint, 0o755); err != nil {
		return fmt.Errorf("pgimage: write entrypoint: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(root, "docker-entrypoint-initdb.d"), 0o755); err != nil {
		return fmt.Errorf("pgimage: %w", err)
	}
	// Debian's package made a cluster under /var/lib/postgresql/15/main;
	// the image uses PGDATA like the official one, so drop it.
	for _, d := range []string{
		"usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale",
		"var/cache/apt/archives", "var/lib/apt/lists",
		fmt.Sprintf("var/lib/postgresql/%d", pgVersion), fmt.Sprintf("etc/postgresql/%d", pgVersion),
	} {
		if err := os.RemoveAll(filepath.Join(root, d)); err != nil {
			return fmt.Errorf("pgimage: trim %s: %w", d, err)
		}
	}
	return nil
}

// importRootFS imports the root file system, then adds the image's
// metadata with a two-line docker build (docker import cannot set
// STOPSIGNAL, and postgres needs SIGINT for a fast shutdown).
func importRootFS(ctx context.Context, root string, opts Options) error {
	rootfsTag := opts.Tag + "-rootfs"
	tar := exec.CommandContext(ctx, "tar", "-C", root, "-c", ".")
	imp := exec.CommandContext(ctx, "docker", "import", "-", rootfsTag)
	pipe, err := tar.StdoutPipe()
	if err != nil {
		return fmt.Errorf("pgimage: %w", err)
	}
	var tarErr, impOut bytes.Buffer
	tar.Stderr = &tarErr
	imp.Stdin = pipe
	imp.Stdout, imp.Stderr = io.MultiWriter(&impOut, opts.Output), io.MultiWriter(&impOut, opts.Output)
	if err := tar.Start(); err != nil {
		return fmt.Errorf("pgimage: tar: %w", err)
	}
	impErr := imp.Run()
	// If docker import failed early, tar blocks writing into a pipe whose
	// read end we still hold; close it so tar gets EPIPE and exits.
	_ = pipe.Close()
	if err := tar.Wait(); err != nil && impErr == nil {
		return fmt.Errorf("pgimage: tar: %w: %s", err, tarErr.String())
	}
	if impErr != nil {
		return fmt.Errorf("pgimage: docker import: %w: %s", impErr, impOut.String())
	}
	defer func() { _ = exec.Command("docker", "rmi", rootfsTag).Run() }()

	bin := fmt.Sprintf("/usr/lib/postgresql/%d/bin", opts.PGVersion)
	dockerfile := "FROM " + rootfsTag + `
ENV PATH=` + bin + `:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENV PGDATA=/var/lib/postgresql/data LANG=C.UTF-8
LABEL org.opencontainers.image.description="PostgreSQL from Debian packages, built offline by github.com/bloglabs/posts/tools/pgimage"
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
`
	build := exec.CommandContext(ctx, "docker", "build", "-t", opts.Tag, "-")
	build.Stdin = strings.NewReader(dockerfile)
	var out bytes.Buffer
	build.Stdout, build.Stderr = io.MultiWriter(&out, opts.Output), io.MultiWriter(&out, opts.Output)
	if err := build.Run(); err != nil {
		return fmt.Errorf("pgimage: docker build: %w: %s", err, lastLines(out.String(), 15))
	}
	return nil
}

func run(ctx context.Context, out io.Writer, env []string, name string, args ...string) error {
	var buf bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&buf, out), io.MultiWriter(&buf, out)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w\n%s", err, lastLines(buf.String(), 15))
	}
	return nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// DebianMirror reads the Debian mirror apt uses on this machine, so the
// image is built from the same archive (the only one reachable offline).
func DebianMirror() (string, error) {
	files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources")
	for _, f := range files {
		if m := mirrorFromDeb822(f); m != "" {
			return m, nil
		}
	}
	lists, _ := filepath.Glob("/etc/apt/sources.list.d/*.list")
	for _, f := range append([]string{"/etc/apt/sources.list"}, lists...) {
		if m := mirrorFromList(f); m != "" {
			return m, nil
		}
	}
	return "", errors.New("pgimage: no Debian mirror found in /etc/apt/sources.list{,.d}; give one with --mirror (e.g. http://deb.debian.org/debian)")
}

// MirrorFromFile reads the Debian mirror from one apt sources file, deb822
// (.sources) or one-line (.list) format; "" when it names none.
func MirrorFromFile(path string) string {
	if strings.HasSuffix(path, ".sources") {
		return mirrorFromDeb822(path)
	}
	return mirrorFromList(path)
}

// mirrorFromDeb822 takes the URIs of the first stanza whose suites are a
// Debian release's (not -security).
func mirrorFromDeb822(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, stanza := range strings.Split(string(b), "\n\n") {
		fields := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(stanza))
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			if k, v, ok := strings.Cut(line, ":"); ok {
				fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
		uris, suites := strings.Fields(fields["uris"]), fields["suites"]
		if len(uris) > 0 && suites != "" && !strings.Contains(suites, "security") && strings.Contains(fields["types"], "deb") {
			return uris[0]
		}
	}
	return ""
}

func mirrorFromList(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "deb" {
			i := 1
			for i < len(f) && strings.HasPrefix(f[i], "[") { // [arch=amd64 signed-by=...]
				for i < len(f) && !strings.HasSuffix(f[i], "]") {
					i++
				}
				i++
			}
			if i+1 < len(f) && !strings.Contains(f[i+1], "security") {
				return f[i]
			}
		}
	}
	return ""
}
