package doctor

import (
	"path/filepath"

	"github.com/bloglabs/posts/internal/repo"
)

// repoAt is the clone at or above dir, "" when there is none.
func repoAt(dir string) string {
	root, err := repo.RootFrom(dir)
	if err != nil {
		return ""
	}
	return root
}

// judgeRepo checks $REPO, which every exercise's steps use ("$REPO/labs/
// cmd/lab"): env is its value, here the clone the doctor runs in ("" when
// outside one), and cloneAt finds the clone at or above a folder. Without
// it, the go command says only "go.mod file not found".
func judgeRepo(env, here string, cloneAt func(string) string) outcome {
	o := repoOutcome(env, here, cloneAt)
	if !o.passed {
		set := "export REPO=" + here
		if here == "" {
			set = "cd into your clone, then export REPO=$PWD"
		}
		o.fix = set + " (in the shell you run the exercises from)"
	}
	return o
}

func repoOutcome(env, here string, cloneAt func(string) string) outcome {
	if env == "" {
		return fail("not set; the exercises' commands run \"$REPO/...\"")
	}
	root := cloneAt(env)
	switch {
	case root == "":
		return fail("%s is not a clone of %s", env, repo.Module)
	case filepath.Clean(root) != filepath.Clean(env):
		return fail("%s is inside the clone at %s, not its root", env, root)
	case here != "" && filepath.Clean(root) != filepath.Clean(here):
		return pass("%s (another clone than this one, %s)", env, here)
	}
	return pass("%s", env)
}
