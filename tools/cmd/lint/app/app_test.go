package app

import (
	"testing"

	"github.com/bloglabs/posts/internal/cli/clitest"
)

// The one CLI shape: --help on stdout, exit 0; an unknown argument, exit 64
// before anything runs.
func TestUsage(t *testing.T) {
	clitest.Usage(t, Run, ExitCode, "lint",
		[]string{"crosschek"},
		[]string{"crosscheck", "extra"},
		[]string{"--fix"},
	)
}
