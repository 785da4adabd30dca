package live

import (
	"context"
	"errors"
	"io"
)

// Run runs the lab live.
func Run(ctx context.Context, w io.Writer, o Options) error {
	return errors.New("not yet")
}
