//go:build labsfull

package main

import (
	"github.com/bloglabs/posts/labs/cmd/lab/app"
	"github.com/bloglabs/posts/labs/labkit/full"
)

// command is the full build: every row of the table, and the verbs that
// need Docker or a cluster.
func command() app.Command {
	return app.Command{Table: full.Table(), Verbs: full.Verbs()}
}
