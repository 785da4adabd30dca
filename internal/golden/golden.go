package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from this run")

// Assert fails t when got differs from testdata/name; with -update it writes
// got there instead.
func Assert(t testing.TB, name string, got []byte) {
	t.Helper()
	AssertFile(t, filepath.Join("testdata", name), got)
}

// AssertFile is Assert for a file anywhere in the repository, relative to
// the test's package: a picture the docs show, kept equal to what its
// generator draws today.
func AssertFile(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from this run (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
