// Command runonce runs a command once per version — first, before any replica
// serves — however many replicas of a Deployment start together. It is meant
// as an initContainer:
//
//	runonce --name schema --version "$IMAGE_TAG" -- app migrate
//
// The CLI lives in package app (runonce/cmd/runonce/app), where its flags,
// environment variables and exit statuses are documented.
package main

import (
	"context"
	"os"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/runonce/cmd/runonce/app"
)

func main() {
	err := app.Run(context.Background(), cli.OS(), os.Args[1:])
	app.Report(os.Stderr, err)
	os.Exit(app.ExitCode(err))
}
