// Package repo finds this repository on disk: the labs build its commands
// from source, prepare and doctor run the go command in it, and the control
// plane's build reads its inputs from it. One walk up from the working
// directory serves them all, and it finds the repository's own go.mod, not a
// nested module's (tools/controlplane/build/...).
package repo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Module is this repository's module path.
const Module = "github.com/bloglabs/posts"

// ErrNotInside is wrapped by [Root]'s error when the working directory is
// not inside the repository.
var ErrNotInside = errors.New("not inside the repository")

// Root returns the repository's root folder: the nearest folder at or above
// the working directory whose go.mod declares [Module].
func Root() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the repository: %w", err)
	}
	return RootFrom(wd)
}

// RootFrom is [Root] starting from dir.
func RootFrom(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(b) == Module {
			return d, nil
		}
		if d == filepath.Dir(d) {
			return "", fmt.Errorf("%w (module %s): %s is outside it; cd into the repository's folder and run it again", ErrNotInside, Module, dir)
		}
	}
}

// modulePath reads a go.mod's module line.
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}
