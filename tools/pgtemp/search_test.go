package pgtemp

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestSearchOrder lays out fake installations (empty executable files) under
// a temporary root and checks which folder the search picks.
func TestSearchOrder(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pgtemp refuses Windows before searching (it needs WSL2)")
	}
	tests := []struct {
		name    string
		servers []string // folders holding initdb and postgres
		partial []string // folders holding initdb only
		path    []string // PATH entries (under root)
		link    string   // a PATH entry whose postgres links into this server folder
		binDir  string   // LABS_PG_BINDIR (under root), "" unset
		want    string   // "" for ErrNoBinaries
	}{
		{name: "nothing installed", want: ""},
		{name: "Debian: newest version first",
			servers: []string{"/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin"},
			want:    "/usr/lib/postgresql/16/bin"},
		{name: "Debian: a version without its server is passed over",
			servers: []string{"/usr/lib/postgresql/15/bin"}, partial: []string{"/usr/lib/postgresql/16/bin"},
			want: "/usr/lib/postgresql/15/bin"},
		{name: "PGDG RPMs: 10 is newer than 9.6",
			servers: []string{"/usr/pgsql-9.6/bin", "/usr/pgsql-10/bin"},
			want:    "/usr/pgsql-10/bin"},
		{name: "Homebrew on Apple silicon: newest versioned formula",
			servers: []string{"/opt/homebrew/opt/postgresql/bin", "/opt/homebrew/opt/postgresql@16/bin", "/opt/homebrew/opt/postgresql@17/bin"},
			want:    "/opt/homebrew/opt/postgresql@17/bin"},
		{name: "Homebrew on Apple silicon: the unversioned formula alone",
			servers: []string{"/opt/homebrew/opt/postgresql/bin"},
			want:    "/opt/homebrew/opt/postgresql/bin"},
		{name: "Homebrew on Intel",
			servers: []string{"/usr/local/opt/postgresql@15/bin"},
			want:    "/usr/local/opt/postgresql@15/bin"},
		{name: "Apple silicon's Homebrew before an Intel one left under /usr/local",
			servers: []string{"/usr/local/opt/postgresql@17/bin", "/opt/homebrew/opt/postgresql@16/bin"},
			want:    "/opt/homebrew/opt/postgresql@16/bin"},
		{name: "Postgres.app: numbered versions before latest",
			servers: []string{"/Applications/Postgres.app/Contents/Versions/latest/bin", "/Applications/Postgres.app/Contents/Versions/16/bin", "/Applications/Postgres.app/Contents/Versions/17/bin"},
			want:    "/Applications/Postgres.app/Contents/Versions/17/bin"},
		{name: "EDB installer",
			servers: []string{"/Library/PostgreSQL/16/bin"},
			want:    "/Library/PostgreSQL/16/bin"},
		{name: "Homebrew before Postgres.app and EDB",
			servers: []string{"/Library/PostgreSQL/17/bin", "/Applications/Postgres.app/Contents/Versions/17/bin", "/usr/local/opt/postgresql@14/bin"},
			want:    "/usr/local/opt/postgresql@14/bin"},
		{name: "PATH's postgres, link resolved, before well-known folders",
			servers: []string{"/usr/lib/postgresql/16/bin", "/opt/homebrew/Cellar/postgresql@15/15.8/bin"},
			path:    []string{"/opt/homebrew/bin"}, link: "/opt/homebrew/Cellar/postgresql@15/15.8/bin",
			want: "/opt/homebrew/Cellar/postgresql@15/15.8/bin"},
		{name: "LABS_PG_BINDIR wins",
			servers: []string{"/usr/lib/postgresql/16/bin", "/srv/pg/bin"}, binDir: "/srv/pg/bin",
			want: "/srv/pg/bin"},
		{name: "LABS_PG_BINDIR without the binaries is an error, not a fallback",
			servers: []string{"/usr/lib/postgresql/16/bin"}, partial: []string{"/srv/pg/bin"}, binDir: "/srv/pg/bin",
			want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			for _, d := range tt.servers {
				touchExec(t, root, d, "initdb", "postgres")
			}
			for _, d := range tt.partial {
				touchExec(t, root, d, "initdb")
			}
			s := search{root: root}
			var path []string
			for _, d := range tt.path {
				path = append(path, filepath.Join(root, d))
				if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
					t.Fatal(err)
				}
				if tt.link != "" {
					if err := os.Symlink(filepath.Join(root, tt.link, "postgres"), filepath.Join(root, d, "postgres")); err != nil {
						t.Fatal(err)
					}
				}
			}
			s.path = strings.Join(path, string(os.PathListSeparator))
			if tt.binDir != "" {
				s.binDir = filepath.Join(root, tt.binDir)
			}
			got, err := s.find()
			if tt.want == "" {
				if !errors.Is(err, ErrNoBinaries) {
					t.Fatalf("find() = %q, %v; want ErrNoBinaries", got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("find(): %v; want %s", err, tt.want)
			}
			if want := filepath.Join(root, tt.want); got != want {
				t.Errorf("find() = %s\nwant        %s", got, want)
			}
		})
	}
}

// TestSearchAsksPgConfigLast checks the last resort: a pg_config on PATH that
// names a folder no well-known pattern covers.
func TestSearchAsksPgConfigLast(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("pgtemp refuses Windows before searching (it needs WSL2)")
	}
	root := t.TempDir()
	custom := filepath.Join(root, "opt", "custom-pg", "bin")
	touchExec(t, root, "/opt/custom-pg/bin", "initdb", "postgres")
	tools := filepath.Join(root, "tools")
	if err := os.MkdirAll(tools, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho '" + custom + "'\n"
	if err := os.WriteFile(filepath.Join(tools, "pg_config"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := search{root: root, path: tools}.find()
	if err != nil || got != custom {
		t.Fatalf("find() = %q, %v; want %s (from pg_config --bindir)", got, err, custom)
	}
}

func touchExec(t *testing.T, root, dir string, names ...string) {
	t.Helper()
	d := filepath.Join(root, filepath.FromSlash(dir))
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(d, n), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}
