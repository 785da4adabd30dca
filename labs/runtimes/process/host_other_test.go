//go:build !unix

package process_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bloglabs/posts/labs/runtimes"
	"github.com/bloglabs/posts/labs/runtimes/process"
	"github.com/bloglabs/posts/labs/spec"
)

// On Windows the runtime builds, and says at run time that it needs WSL2.
func TestWindowsNeedsWSL2(t *testing.T) {
	d := spec.Deployment{Name: "demo", Replicas: 1, Container: spec.Container{Name: "app", Image: "demoapp", Command: []string{"demoapp", "serve"}}}
	err := process.New(process.Options{}).Run(context.Background(), d, func(runtimes.Event) {})
	if !errors.Is(err, process.ErrNeedsUnix) || !errors.Is(process.CheckHost(), process.ErrNeedsUnix) {
		t.Fatalf("Run = %v, want ErrNeedsUnix", err)
	}
}
