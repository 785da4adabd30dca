package testbuild

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
)

// Imports is what `go list -deps` says of pkg: every package its build
// links, each with the packages it imports. It fails t when go list fails
// or lists too few packages to be pkg's build.
func Imports(t testing.TB, pkg string) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", "-json=ImportPath,Imports", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	imports := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		imports[p.ImportPath] = p.Imports
	}
	if len(imports) < 10 {
		t.Fatalf("go list -deps %s listed %d packages; want its whole build", pkg, len(imports))
	}
	return imports
}
