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

// EnvRepo names the environment variable that points at the clone when the
// working directory is outside it (the workshop's steps set it).
const EnvRepo = "REPO"

// ErrNotInside is wrapped by [Root]'s error when neither the working
// directory nor $REPO is inside the repository.
var ErrNotInside = errors.New("not inside a clone of the repository")

// NotInsideHint says what to do when the repository cannot be found.
const NotInsideHint = "run this inside a clone of " + Module + " (cd into it), or set " + EnvRepo + " to the clone's folder (export REPO=/path/to/clone)"

// Root returns the repository's root folder: the nearest folder at or above
// the working directory whose go.mod declares [Module], else the one $REPO
// names.
func Root() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find the repository: %w", err)
	}
	root, err := RootFrom(wd)
	if err == nil {
		return root, nil
	}
	env := os.Getenv(EnvRepo)
	if env == "" {
		return "", err
	}
	root, envErr := RootFrom(env)
	if envErr != nil {
		return "", fmt.Errorf("%w: %s=%s is not a clone either; %s", ErrNotInside, EnvRepo, env, NotInsideHint)
	}
	return root, nil
}

// RootFrom is the nearest folder at or above dir whose go.mod declares
// [Module].
func RootFrom(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && modulePath(b) == Module {
			return d, nil
		}
		if d == filepath.Dir(d) {
			return "", fmt.Errorf("%w: %s is outside it; %s", ErrNotInside, dir, NotInsideHint)
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
