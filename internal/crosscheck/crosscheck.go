package crosscheck

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Target is a system to check for.
type Target struct{ GOOS, GOARCH string }

func (t Target) String() string { return t.GOOS + "/" + t.GOARCH }

// Check type-checks the packages that patterns match in the module at dir,
// with their tests, for target. Its error lists every error in those
// packages (not in their dependencies), each at its file and line relative
// to dir.
func Check(ctx context.Context, dir string, target Target, patterns ...string) error {
	root, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("crosscheck: %w", err)
	}
	own := root + string(filepath.Separator)
	deps, err := dependencyDirs(ctx, root)
	if err != nil {
		return err
	}
	cfg := &packages.Config{
		Context: ctx,
		Dir:     root,
		Mode:    packages.LoadAllSyntax,
		Tests:   true,
		// Cross-compiling turns cgo off, as it does here.
		Env: append(os.Environ(), "GOOS="+target.GOOS, "GOARCH="+target.GOARCH, "CGO_ENABLED=0"),
		ParseFile: func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
			f, err := parser.ParseFile(fset, filename, src, parser.AllErrors|parser.ParseComments)
			if f != nil && slices.ContainsFunc(deps, func(d string) bool { return strings.HasPrefix(filename, d) }) {
				dropBodies(f)
			}
			return f, err
		},
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return fmt.Errorf("crosscheck %s: %w", target, err)
	}
	if len(pkgs) == 0 {
		return fmt.Errorf("crosscheck %s: no packages match %s in %s", target, strings.Join(patterns, " "), dir)
	}
	var found []string
	for _, p := range pkgs {
		for _, e := range p.Errors {
			found = append(found, relative(e.Error(), own))
		}
	}
	if len(found) == 0 {
		return nil
	}
	// A package and its test variant report the same errors.
	slices.Sort(found)
	found = slices.Compact(found)
	return fmt.Errorf("crosscheck %s: %d error(s):\n  %s", target, len(found), strings.Join(found, "\n  "))
}

// dropBodies removes a dependency's function bodies: its declarations are
// what the packages that import it are checked against. init keeps its
// body, which go/types requires.
func dropBodies(f *ast.File) {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name != "init" {
			fd.Body = nil
		}
	}
}

// dependencyDirs are the folders that hold dependencies' sources: GOROOT
// and the module cache. (The test main packages go generates are in the
// build cache, and keep their bodies.)
func dependencyDirs(ctx context.Context, dir string) ([]string, error) {
	cmd := exec.CommandContext(ctx, "go", "env", "GOROOT", "GOMODCACHE")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("crosscheck: go env: %w", err)
	}
	var dirs []string
	for _, d := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dirs = append(dirs, filepath.Clean(d)+string(filepath.Separator))
	}
	return dirs, nil
}

func relative(msg, own string) string { return strings.ReplaceAll(msg, own, "") }
