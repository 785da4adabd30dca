package layout_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

const module = "github.com/bloglabs/posts"

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

var (
	listOnce sync.Once
	listed   []pkg
	listErr  error
)

// modulePackages lists every package of the module (not the nested
// modules under tools/, which have their own go.mod).
func modulePackages(t *testing.T) []pkg {
	t.Helper()
	listOnce.Do(func() {
		cmd := exec.Command("go", "list", "-e", "-json=ImportPath,Dir,Name,GoFiles,IgnoredGoFiles,Imports,TestImports,XTestImports", "./...")
		cmd.Dir = repoRoot(t)
		out, err := cmd.Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = fmt.Errorf("%w: %s", err, ee.Stderr)
			}
			listErr = err
			return
		}
		dec := json.NewDecoder(strings.NewReader(string(out)))
		for {
			var p pkg
			if err := dec.Decode(&p); err == io.EOF {
				break
			} else if err != nil {
				listErr = err
				return
			}
			listed = append(listed, p)
		}
	})
	if listErr != nil {
		t.Fatalf("go list ./...: %v", listErr)
	}
	return listed
}

// topFolder is the repository's top-level folder a package lives in ("" for
// a package outside the module).
func topFolder(importPath string) string {
	rest, ok := strings.CutPrefix(importPath, module+"/")
	if !ok {
		return ""
	}
	top, _, _ := strings.Cut(rest, "/")
	return top
}

// arrows says which top-level folders each one may import, tests
// included: internal serves everyone and imports nobody; tools are small
// programs below the labs (the labs hand them what they need, such as
// image names, never the reverse); runonce is imported into other people's
// programs and needs only internal/cli (its tests use tools' throwaway
// Postgres and control plane); the labs use tools and runonce; the
// preemptible-CI lab uses the labs' kind runtime; docs' tests check
// everything.
var arrows = map[string][]string{
	"internal":       nil,
	"tools":          {"internal"},
	"runonce":        {"internal", "tools"},
	"labs":           {"internal", "tools", "runonce"},
	"ci-preemptible": {"internal", "tools", "runonce", "labs"},
	"docs":           {"internal", "tools", "runonce", "labs", "ci-preemptible"},
}

// testOnlyArrows are allowed from test files only.
var testOnlyArrows = map[string][]string{
	"runonce": {"tools"},
}

// TestFolderArrows keeps the direction between the top-level folders: no
// arrow runs both ways, and each is one the table allows. It logs the
// arrows it found, with an example of each.
func TestFolderArrows(t *testing.T) {
	type arrow struct{ from, to string }
	found := map[arrow][]string{}
	testOnly := map[arrow]bool{}
	for _, p := range modulePackages(t) {
		from := topFolder(p.ImportPath)
		add := func(imps []string, test bool) {
			for _, imp := range imps {
				to := topFolder(imp)
				if to == "" || to == from {
					continue
				}
				a := arrow{from, to}
				if _, seen := found[a]; !seen {
					testOnly[a] = test
				}
				if !test {
					testOnly[a] = false
				}
				found[a] = append(found[a], strings.TrimPrefix(p.ImportPath, module+"/")+" → "+strings.TrimPrefix(imp, module+"/"))
			}
		}
		add(p.Imports, false)
		add(append(slices.Clone(p.TestImports), p.XTestImports...), true)
	}
	var lines []string
	for a, via := range found {
		sort.Strings(via)
		note := ""
		if testOnly[a] {
			note = " (tests only)"
		}
		lines = append(lines, fmt.Sprintf("%s → %s%s: %d imports, e.g. %s", a.from, a.to, note, len(via), via[0]))
		allowed, known := arrows[a.from]
		switch {
		case !known:
			t.Errorf("top-level folder %s is not in the arrows table: say which folders it may import", a.from)
		case slices.Contains(allowed, a.to) && (!slices.Contains(testOnlyArrows[a.from], a.to) || testOnly[a]):
		default:
			t.Errorf("%s may not import %s (%s)", a.from, a.to, strings.Join(via, ", "))
		}
	}
	sort.Strings(lines)
	t.Logf("folder arrows:\n  %s", strings.Join(lines, "\n  "))
}
