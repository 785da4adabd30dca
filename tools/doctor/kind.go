//go:build !windows

package doctor

import (
	"context"
	"errors"
	"strings"

	"github.com/bloglabs/posts/labs/runtimes/kind"
)

func checkKind(ctx context.Context) outcome {
	err := kind.CheckHost(ctx)
	var he *kind.HostError
	switch {
	case err == nil:
		return pass("this machine can run kind clusters (for --runtime kind)")
	case errors.As(err, &he):
		return fail("%s", strings.Join(he.Missing, "; "))
	}
	return fail("%v", err)
}
