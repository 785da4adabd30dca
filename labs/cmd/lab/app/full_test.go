package app_test

import (
	"github.com/bloglabs/posts/labs/cmd/lab/app"
	"github.com/bloglabs/posts/labs/labkit/full"
)

// fullCommand is the command as `go run -tags labsfull ./labs/cmd/lab`
// builds it (labs/cmd/lab/full.go).
func fullCommand() app.Command {
	return app.Command{Table: full.Table(), Verbs: full.Verbs()}
}
