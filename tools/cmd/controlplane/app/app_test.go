package app

import (
	"testing"

	"github.com/bloglabs/posts/internal/cli/clitest"
)

// The one CLI shape: --help on stdout, exit 0; no command, an unknown one
// or a bad flag, exit 64 before anything is built or started.
func TestUsage(t *testing.T) {
	clitest.Usage(t, Run, ExitCode, "controlplane",
		nil,
		[]string{"down"},
		[]string{"up", "--nodse=false"},
	)
}
