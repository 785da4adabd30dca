//go:build !unix

package workshop

import (
	"context"
	"errors"
	"io"
)

// stopStarted needs process groups and signals: on Windows the exercises
// run under WSL2, and so does reset.
func stopStarted(context.Context, string, started, io.Writer) error {
	return errors.New("the exercises run under WSL2 on Windows: run go tool mage workshop:reset there")
}
