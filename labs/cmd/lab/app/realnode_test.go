package app_test

import (
	"strings"
	"testing"

	"github.com/bloglabs/posts/tools/controlplane"
	"github.com/bloglabs/posts/tools/controlplane/cptest"
)

// The race and fix labs on a real node of a local control plane, with
// nothing but its kubeconfig: the lab finds the node, loads the image into
// it, reaches its embedded Postgres through the node's bridge, and gives
// the verdicts of the process runtime from real pods — crashes, restarts,
// CrashLoopBackOff, init containers, readiness.
func TestRaceAndFixOnARealNode(t *testing.T) {
	needDocker(t)
	c := cptest.RealNode(t, controlplane.Options{})
	kc := c.Kubeconfig()

	race, progress := runLab(t, "race", "--runtime", "kubernetes", "--kubeconfig", kc)
	if race.Runtime != "kubernetes" || race.DBOK || race.RunsOfStep < 2 || !strings.HasPrefix(race.Verdict, "race reproduced") {
		t.Errorf("race: runtime %q, db_ok %v, runs_of_step %d, verdict %q; want kubernetes, a damaged database, the step run more than once\n%s",
			race.Runtime, race.DBOK, race.RunsOfStep, race.Verdict, progress)
	}
	if race.Crashes == 0 {
		t.Errorf("race: no crashes seen; the kubelet restarts crashing replicas")
	}

	fix, progress := runLab(t, "fix", "--runtime", "kubernetes", "--kubeconfig", kc)
	if fix.RunsOfStep != 1 || !fix.DBOK || fix.Crashes != 0 || !strings.HasPrefix(fix.Verdict, "fixed") {
		t.Errorf("fix: runs_of_step %d, db_ok %v, crashes %d, verdict %q; want 1, true, 0, fixed\n%s", fix.RunsOfStep, fix.DBOK, fix.Crashes, fix.Verdict, progress)
	}
	for _, r := range fix.ReplicaOutcomes {
		if !r.Ready {
			t.Errorf("fix: %s not ready", r.Name)
		}
	}
}
