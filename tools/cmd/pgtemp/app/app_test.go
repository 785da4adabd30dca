package app

import (
	"testing"

	"github.com/bloglabs/posts/internal/cli/clitest"
)

// The one CLI shape: --help on stdout, exit 0; a bad flag or argument, exit
// 64 before anything starts.
func TestUsage(t *testing.T) {
	clitest.Usage(t, Run, ExitCode, "pgtemp",
		[]string{"--prot", "5432"},
		[]string{"--set", "fsync"},
		[]string{"extra"},
	)
}
