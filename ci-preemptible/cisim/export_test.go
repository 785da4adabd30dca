package cisim

import (
	"context"
	"io"
)

// SetRunLive replaces RunLiveLab under Run until the test ends.
func SetRunLive(cleanup func(func()), f func(context.Context, io.Writer, LiveOptions) error) {
	old := runLive
	runLive = f
	cleanup(func() { runLive = old })
}
