// Package clitest checks, for tests, that a command has the one CLI shape of
// package cli: --help on stdout with exit 0, a bad flag or argument exit 64
// before anything starts. Each command's test lists its own command lines.
package clitest
