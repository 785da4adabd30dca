package scenarios_test

import (
	"errors"
	"io/fs"
	"slices"
	"testing"

	"github.com/bloglabs/posts/ci-preemptible/scenarios"
)

func TestEveryScenarioLoads(t *testing.T) {
	t.Parallel()
	names := scenarios.Names()
	for _, n := range scenarios.Lab {
		if !slices.Contains(names, n) {
			t.Errorf("lab scenario %q is not embedded", n)
		}
	}
	for _, n := range names {
		sc, err := scenarios.Load(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if sc.Name != n {
			t.Errorf("file %s.yaml names itself %q: keep them equal", n, sc.Name)
		}
	}
	if _, err := scenarios.Load("nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("unknown scenario: err %v, want fs.ErrNotExist", err)
	}
}
