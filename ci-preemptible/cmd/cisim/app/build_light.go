//go:build !labsfull

package app

// built is the command as this build has it: the simulator, and the full
// build for the live labs ([Light]).
func built() Command { return Light() }
