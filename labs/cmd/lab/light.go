//go:build !labsfull

package main

import "github.com/bloglabs/posts/labs/cmd/lab/app"

// command is the light build: labkit's light table, the full build for
// the rest.
func command() app.Command { return app.Light() }
