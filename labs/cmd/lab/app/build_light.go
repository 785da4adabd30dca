//go:build !labsfull

package app

// built is the command as this build has it: the light table, and the full
// build for the rest ([RunFull]).
func built() Command { return Light() }
