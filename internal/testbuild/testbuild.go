package testbuild

import (
	"os"
	"strings"
)

// Race says whether this binary was built with -race.
const Race = race

// Env is os.Environ() with extra appended, and with -race added to
// GOFLAGS when the running binary was built with it, so that a go command
// started with it (directly or by the program under test) builds as the
// test run does.
func Env(extra ...string) []string {
	env := os.Environ()
	if Race {
		flags := strings.TrimSpace(os.Getenv("GOFLAGS") + " -race")
		env = append(env, "GOFLAGS="+flags)
	}
	return append(env, extra...)
}
