package doctor

import (
	"context"
	"errors"
	"strings"

	"github.com/bloglabs/posts/labs/runtimes/kind"
)

func checkKind(ctx context.Context) outcome {
	// Without an engine, kind's own answer repeats the Docker line.
	c, err := dockerClient(ctx)
	if err != nil {
		return fail("needs a Docker engine, and none answers (see the Docker line)")
	}
	_ = c.Close()
	err = kind.CheckHost(ctx)
	var he *kind.HostError
	switch {
	case err == nil:
		return pass("this machine can run kind clusters (for --runtime kind)")
	case errors.As(err, &he):
		return fail("%s", strings.Join(he.Missing, "; "))
	}
	return fail("%v", err)
}
