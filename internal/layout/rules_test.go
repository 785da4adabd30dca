package layout_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxFuncLines is docs/conventions.md's "a function reads on one screen".
const maxFuncLines = 80

// pkg is a package of this module as go list sees it.
type pkg struct {
	ImportPath, Dir, Name string
	GoFiles               []string // non-test files for this system
	IgnoredGoFiles        []string // non-test files for other systems
	Imports               []string
	TestImports           []string
	XTestImports          []string
}

// sourceFiles are the package's non-test files, for every system.
func (p pkg) sourceFiles() []string {
	var out []string
	for _, f := range append(slices.Clone(p.GoFiles), p.IgnoredGoFiles...) {
		if !strings.HasSuffix(f, "_test.go") {
			out = append(out, filepath.Join(p.Dir, f))
		}
	}
	return out
}

// rel is the package's folder relative to the repository.
func (p pkg) rel() string { return strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/") }

func parseFile(t *testing.T, fset *token.FileSet, path string) *ast.File {
	t.Helper()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestFunctionsFitOnAScreen: no function of non-test code is longer than
// maxFuncLines, from its func line to its closing brace. The offenders are
// named with their length; the fix is to split by phase (conventions.md).
func TestFunctionsFitOnAScreen(t *testing.T) {
	files := []string{filepath.Join(repoRoot(t), "magefile.go")}
	for _, p := range modulePackages(t) {
		files = append(files, p.sourceFiles()...)
	}
	fset := token.NewFileSet()
	for _, path := range files {
		f := parseFile(t, fset, path)
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			start, end := fset.Position(fn.Pos()), fset.Position(fn.End())
			if n := end.Line - start.Line + 1; n > maxFuncLines {
				rel, _ := filepath.Rel(repoRoot(t), path)
				t.Errorf("%s:%d: %s is %d lines; a function reads on one screen (at most %d): split it by phase",
					filepath.ToSlash(rel), start.Line, funcName(fn), n, maxFuncLines)
			}
		}
	}
}

func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	if g, ok := typ.(*ast.IndexExpr); ok {
		typ = g.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}

// TestEveryPackageHasDocGo: every package but a command's main (whose doc
// comment heads main.go) has a doc.go holding its package comment.
func TestEveryPackageHasDocGo(t *testing.T) {
	fset := token.NewFileSet()
	for _, p := range modulePackages(t) {
		if p.Name == "main" || len(p.sourceFiles()) == 0 {
			continue
		}
		doc := filepath.Join(p.Dir, "doc.go")
		if _, err := os.Stat(doc); err != nil {
			t.Errorf("%s has no doc.go: every package says in one what it holds and why", p.rel())
			continue
		}
		if f := parseFile(t, fset, doc); f.Doc == nil || !strings.HasPrefix(f.Doc.Text(), "Package "+f.Name.Name+" ") {
			t.Errorf("%s/doc.go has no package comment starting %q", p.rel(), "Package "+f.Name.Name+" ")
		}
	}
}

// TestCommandsHaveTheOneCLIShape: every command is the one CLI shape
// (internal/cli, conventions.md): its package main is main.go alone, with
// func main as its only declaration, calling Run and ExitCode of the
// package that holds the command, where a test can reach them.
func TestCommandsHaveTheOneCLIShape(t *testing.T) {
	byPath := map[string]pkg{}
	all := modulePackages(t)
	for _, p := range all {
		byPath[p.ImportPath] = p
	}
	fset := token.NewFileSet()
	for _, p := range all {
		if p.Name != "main" {
			continue
		}
		if files := p.sourceFiles(); len(files) != 1 || filepath.Base(files[0]) != "main.go" {
			t.Errorf("%s: package main is %v; want main.go alone (the command lives in a package with Run and ExitCode)", p.rel(), baseNames(files))
			continue
		}
		f := parseFile(t, fset, filepath.Join(p.Dir, "main.go"))
		if len(f.Decls) != 2 || funcDecl(f, "main") == nil {
			t.Errorf("%s/main.go declares more than its imports and func main: move the rest into the command's package", p.rel())
		}
		called := calledFuncs(f)
		var door string
		for imp := range called {
			if slices.Contains(called[imp], "Run") && slices.Contains(called[imp], "ExitCode") {
				door = imp
			}
		}
		if door == "" {
			t.Errorf("%s: main calls no package's Run and ExitCode: move the command into a package that declares them", p.rel())
			continue
		}
		if d, ok := byPath[door]; ok && !declares(t, fset, d, "Run", "ExitCode") {
			t.Errorf("%s: %s does not declare func Run and func ExitCode", p.rel(), d.rel())
		}
	}
}

func baseNames(files []string) []string {
	var out []string
	for _, f := range files {
		out = append(out, filepath.Base(f))
	}
	return out
}

func funcDecl(f *ast.File, name string) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == name {
			return fn
		}
	}
	return nil
}

// calledFuncs maps each imported package's path to the names main calls
// from it.
func calledFuncs(f *ast.File) map[string][]string {
	paths := map[string]string{}
	for _, imp := range f.Imports {
		path := strings.Trim(imp.Path.Value, `"`)
		name := filepath.Base(path)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		paths[name] = path
	}
	out := map[string][]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && paths[id.Name] != "" {
				out[paths[id.Name]] = append(out[paths[id.Name]], sel.Sel.Name)
			}
		}
		return true
	})
	return out
}

func declares(t *testing.T, fset *token.FileSet, p pkg, names ...string) bool {
	found := map[string]bool{}
	for _, path := range p.sourceFiles() {
		for _, d := range parseFile(t, fset, path).Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil {
				found[fn.Name.Name] = true
			}
		}
	}
	for _, n := range names {
		if !found[n] {
			return false
		}
	}
	return true
}
