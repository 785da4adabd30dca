package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/bloglabs/posts/ci-preemptible/deploy"
	"github.com/bloglabs/posts/ci-preemptible/sim"
)

// FS holds the scenario files of this folder.
//
//go:embed *.yaml
var FS embed.FS

// Lab lists the blog post's setup in four variants, in the order the lab
// shows them: the baseline first.
var Lab = []string{"post-all-on-demand", "post-tainted", "post-taint-missing", "post-toleration-forgotten"}

// Names lists the embedded scenarios, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(FS, ".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// Load loads an embedded scenario by name (with or without .yaml). Its
// references to ../deploy/ resolve to the embedded deploy package, exactly
// as they resolve on disk in a clone.
func Load(name string) (*sim.Scenario, error) {
	name = strings.TrimSuffix(name, ".yaml")
	if !slices.Contains(Names(), name) {
		return nil, fmt.Errorf("no embedded scenario %q (have %s): %w", name, strings.Join(Names(), ", "), fs.ErrNotExist)
	}
	return sim.LoadScenario(tree{"scenarios": FS, "deploy": deploy.FS}, path.Join("scenarios", name+".yaml"))
}

// tree mounts the embedded folders side by side, as they are in the repo.
type tree map[string]fs.FS

func (t tree) Open(name string) (fs.File, error) {
	dir, rest, _ := strings.Cut(name, "/")
	sub, ok := t[dir]
	if !ok || rest == "" {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return sub.Open(rest)
}
