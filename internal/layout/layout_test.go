package layout_test

import (
	"os/exec"
	"strings"
	"testing"
)

func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list %v: %v\n%s", args, err, stderr)
	}
	return strings.Fields(string(out))
}

// runonce is imported into other people's programs: it may pull in pgx and
// the standard library, nothing else (no kind, testcontainers, client-go).
func TestRunonceImportsOnlyPgxAndStdlib(t *testing.T) {
	for _, pkg := range []string{"../../runonce", "../../runonce/cmd/runonce"} {
		for _, dep := range goList(t, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", pkg) {
			switch {
			case strings.HasPrefix(dep, "github.com/bloglabs/posts/runonce"),
				dep == "github.com/bloglabs/posts/internal/cli", // the shared CLI shape: standard library only
				strings.HasPrefix(dep, "github.com/jackc/"),
				strings.HasPrefix(dep, "golang.org/x/text/"), // pgx's own dependency
				strings.HasPrefix(dep, "golang.org/x/sync/"):
			default:
				t.Errorf("%s depends on %s; runonce may use pgx and the standard library only", pkg, dep)
			}
		}
	}
}

// internal/cli is imported by runonce's CLI, so it may use the standard
// library only.
func TestCLIShapeImportsOnlyStdlib(t *testing.T) {
	if deps := goList(t, "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "../cli"); len(deps) != 1 {
		t.Errorf("internal/cli depends on %v; want the standard library only", deps[1:])
	}
}
