package testbuild_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/testbuild"
)

// A go command started with Env builds as this test binary was built: the
// go command reports -race in its flags exactly when this binary has it.
func TestEnvCarriesRace(t *testing.T) {
	cmd := exec.Command("go", "env", "GOFLAGS")
	cmd.Env = testbuild.Env()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go env: %v", err)
	}
	if got := strings.Contains(string(out), "-race"); got != testbuild.Race {
		t.Errorf("GOFLAGS %q for a go command started with Env; want -race there: %v", strings.TrimSpace(string(out)), testbuild.Race)
	}
}
