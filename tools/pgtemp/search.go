package pgtemp

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNoBinaries is returned (wrapped) by [Start] and [FindBinDir] when no
// PostgreSQL server binaries (initdb, postgres) can be found. Its message
// says how to install them.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries found; " +
	"install them with `apt-get install -y postgresql` (Debian/Ubuntu), `dnf install -y postgresql-server` (Fedora), " +
	"`brew install postgresql@17` (macOS), or point LABS_PG_BINDIR at the folder holding initdb and postgres")

// ErrWindows is returned by [Start] on Windows: pgtemp needs unix sockets,
// signals and POSIX file ownership. Run the labs inside WSL2.
var ErrWindows = errors.New("pgtemp does not run PostgreSQL natively on Windows: run the labs inside WSL2 " +
	"(`wsl --install -d Ubuntu`, then in Ubuntu `sudo apt-get install -y postgresql golang-go` or Go from go.dev/dl, and clone the repository there)")

// EnvBinDir names the environment variable that points pgtemp at a folder
// holding initdb and postgres. When it is set, that folder is the only one
// tried: an explicit choice that does not hold the binaries is an error, not
// a reason to pick others silently.
const EnvBinDir = "LABS_PG_BINDIR"

// wellKnown are the folders where PostgreSQL's server binaries are
// installed, in the order tried; a * is a version, newest tried first.
var wellKnown = []string{
	// Debian and Ubuntu (postgresql-NN), then the PGDG RPMs.
	"/usr/lib/postgresql/*/bin",
	"/usr/pgsql-*/bin",
	// Homebrew on Apple silicon, then on Intel Macs (or under Rosetta):
	// versioned formulae (postgresql@17) and the unversioned one.
	"/opt/homebrew/opt/postgresql@*/bin",
	"/opt/homebrew/opt/postgresql/bin",
	"/usr/local/opt/postgresql@*/bin",
	"/usr/local/opt/postgresql/bin",
	// Postgres.app, and EnterpriseDB's installer.
	"/Applications/Postgres.app/Contents/Versions/*/bin",
	"/Library/PostgreSQL/*/bin",
}

// search is where FindBinDir looks. Tests point root at a fake filesystem.
type search struct {
	root   string // prefix of the well-known folders; "" for the real ones
	binDir string // $LABS_PG_BINDIR
	path   string // $PATH
}

func searchHere() search {
	return search{binDir: os.Getenv(EnvBinDir), path: os.Getenv("PATH")}
}

// FindBinDir returns the first folder holding both initdb and postgres:
// $LABS_PG_BINDIR when set (and only it), else the folder of the postgres on
// PATH, the well-known folders of Debian, the PGDG RPMs, Homebrew (Apple
// silicon and Intel), Postgres.app and the EDB installer (newest version
// first), and finally `pg_config --bindir`.
func FindBinDir() (string, error) { return searchHere().find() }

func (s search) find() (string, error) {
	if s.binDir != "" {
		if hasServer(s.binDir) {
			return s.binDir, nil
		}
		return "", fmt.Errorf("%s=%s holds no initdb and postgres: %w", EnvBinDir, s.binDir, ErrNoBinaries)
	}
	for _, d := range s.candidates() {
		if hasServer(d) {
			return d, nil
		}
	}
	if d := s.pgConfigBinDir(); d != "" && hasServer(d) {
		return d, nil
	}
	return "", ErrNoBinaries
}

// candidates lists the folders to try, in order, before pg_config.
func (s search) candidates() []string {
	var out []string
	if p := s.lookPath("postgres"); p != "" {
		// Debian links /usr/local/bin/postgres and Homebrew links
		// /opt/homebrew/bin/postgres into a versioned folder; resolve the
		// link so initdb sits beside it.
		if r, err := filepath.EvalSymlinks(p); err == nil {
			p = r
		}
		out = append(out, filepath.Dir(p))
	}
	for _, pattern := range wellKnown {
		out = append(out, newestFirst(s.root, pattern)...)
	}
	return out
}

// lookPath finds an executable on s.path, as exec.LookPath does on PATH.
func (s search) lookPath(name string) string {
	for _, dir := range filepath.SplitList(s.path) {
		if dir == "" {
			continue
		}
		if p := filepath.Join(dir, name); isExec(p) {
			return p
		}
	}
	return ""
}

// pgConfigBinDir asks the pg_config on s.path, which knows where a
// source-built or otherwise unusual installation keeps its binaries.
func (s search) pgConfigBinDir() string {
	p := s.lookPath("pg_config")
	if p == "" {
		return ""
	}
	out, err := exec.Command(p, "--bindir").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// newestFirst globs root+pattern and orders the matches by the version the
// pattern's * stands for, highest first; matches with no version
// (Postgres.app's "latest") come last.
func newestFirst(root, pattern string) []string {
	matches, _ := filepath.Glob(filepath.Join(root, filepath.FromSlash(pattern)))
	// Glob returns clean paths, and root is clean: what precedes the * in
	// the pattern has the same length in every match.
	prefix := root + filepath.FromSlash(pattern[:strings.Index(pattern+"*", "*")])
	slices.SortStableFunc(matches, func(a, b string) int {
		return slices.Compare(versionAt(b, len(prefix)), versionAt(a, len(prefix)))
	})
	return matches
}

// versionAt reads the dotted number that starts at offset i of p ("16" of
// "16/bin", "9.6" of "9.6/bin"); nil when there is none ("latest/bin").
func versionAt(p string, i int) []int {
	if i > len(p) {
		return nil
	}
	rest := p[i:]
	end := strings.IndexFunc(rest, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
	if end >= 0 {
		rest = rest[:end]
	}
	var v []int
	for _, part := range strings.Split(rest, ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			break
		}
		v = append(v, n)
	}
	return v
}

func hasServer(dir string) bool {
	return isExec(filepath.Join(dir, "initdb")) && isExec(filepath.Join(dir, "postgres"))
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
