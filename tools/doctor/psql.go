package doctor

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/bloglabs/posts/tools/pgtemp"
)

// psqlPlaces are where psql is installed off PATH: Homebrew's libpq and
// postgresql@N are keg-only (not linked into its bin), Debian keeps it
// beside the server in /usr/lib/postgresql/N/bin, then the PGDG RPMs,
// Postgres.app and EDB's installer.
var psqlPlaces = []string{
	"/opt/homebrew/opt/libpq/bin", "/usr/local/opt/libpq/bin",
	"/opt/homebrew/opt/postgresql@*/bin", "/usr/local/opt/postgresql@*/bin",
	"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin",
	"/Applications/Postgres.app/Contents/Versions/*/bin", "/Library/PostgreSQL/*/bin",
}

// findPsqlOffPath is the first folder that holds psql though PATH does not
// lead there: the server binaries' folder, then psqlPlaces.
func findPsqlOffPath() string {
	var dirs []string
	if d, err := pgtemp.FindBinDir(); err == nil {
		dirs = append(dirs, d)
	}
	for _, pattern := range psqlPlaces {
		m, _ := filepath.Glob(pattern)
		dirs = append(dirs, m...)
	}
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "psql")) {
			return d
		}
	}
	return ""
}

func checkPsql(ctx context.Context, p Platform) outcome {
	onPath, _ := exec.LookPath("psql")
	offPath := ""
	if onPath == "" {
		offPath = findPsqlOffPath()
	} else if out, err := exec.CommandContext(ctx, onPath, "--version").Output(); err == nil {
		onPath += " (" + strings.TrimSpace(string(out)) + ")"
	}
	return judgePsql(onPath, offPath, p)
}

// judgePsql decides from where psql was found: on PATH, in a folder off
// it, or nowhere; the fix depends on which, and on the system.
func judgePsql(onPath, offPathDir string, p Platform) outcome {
	if onPath != "" {
		return pass("%s", onPath)
	}
	o := fail("psql is not installed, and exercises 05 and 06 run it")
	if offPathDir != "" {
		o = fail("psql is in %s but not on PATH, and exercises 05 and 06 run it", offPathDir)
	}
	o.fix = psqlFix(offPathDir, p)
	return o
}

// psqlFix is the command that puts psql on PATH: dir is where it was found
// off PATH, "" when nowhere.
func psqlFix(dir string, p Platform) string {
	switch p.OS {
	case "darwin":
		switch keg := brewKeg(dir); {
		case keg == "libpq" || dir == "":
			return `brew install libpq && brew link --force libpq (Homebrew keeps libpq off PATH), or add export PATH="$(brew --prefix libpq)/bin:$PATH" to ~/.zshrc`
		case keg != "":
			return fmt.Sprintf(`add export PATH="$(brew --prefix %s)/bin:$PATH" to ~/.zshrc (Homebrew keeps %s off PATH), or brew install libpq && brew link --force libpq`, keg, keg)
		}
		return fmt.Sprintf(`add export PATH="%s:$PATH" to ~/.zshrc`, dir)
	case "windows":
		return wsl
	}
	install := p.install("postgresql-client", "postgresql", "install PostgreSQL's client package (psql)")
	if dir != "" {
		return fmt.Sprintf(`export PATH="%s:$PATH" (add it to your shell's profile), or %s`, dir, install)
	}
	return install
}

// brewKeg is the Homebrew formula whose keg holds dir
// (".../opt/postgresql@16/bin" → "postgresql@16"), or "".
func brewKeg(dir string) string {
	if dir == "" || filepath.Base(dir) != "bin" {
		return ""
	}
	keg := filepath.Dir(dir)
	if filepath.Base(filepath.Dir(keg)) != "opt" {
		return ""
	}
	return filepath.Base(keg)
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
