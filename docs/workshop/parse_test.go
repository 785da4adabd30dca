package workshop

import (
	"slices"
	"testing"

	"github.com/bloglabs/posts/tools/doctor"
)

// The commands the exercises run from the clone are found in their steps,
// so that TestWorkshop compiles them before the first timed step; and each
// is in prepare's workshop scope, so that a prepared laptop runs every
// exercise offline.
func TestExerciseCommands(t *testing.T) {
	t.Parallel()
	got := exerciseCommands(t, repoRoot(t), exerciseFiles(t))
	for _, want := range []string{"./labs/cmd/lab", "./ci-preemptible/cmd/cisim", "./tools/cmd/pgtemp", "./runonce/cmd/runonce", "./labs/cmd/demoapp"} {
		if !slices.Contains(got, want) {
			t.Errorf("exerciseCommands = %v; want it to hold %s", got, want)
		}
	}
	for _, pkg := range got {
		if !slices.Contains(doctor.WorkshopCommands, pkg) {
			t.Errorf("the exercises run %s, which prepare's workshop scope (doctor.WorkshopCommands) leaves out", pkg)
		}
	}
}
