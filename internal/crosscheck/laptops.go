package crosscheck

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Laptops are the systems the workshop's laptops run besides Linux: macOS
// on Apple silicon and Intel, and Windows.
func Laptops() []Target {
	return []Target{{GOOS: "darwin", GOARCH: "arm64"}, {GOOS: "darwin", GOARCH: "amd64"}, {GOOS: "windows", GOARCH: "amd64"}}
}

// CheckEach runs [Check] for every target, printing a line to w for each
// that passes, and returns the failures joined.
func CheckEach(ctx context.Context, dir string, w io.Writer, targets []Target, patterns ...string) error {
	var errs []error
	for _, t := range targets {
		t0 := time.Now()
		err := Check(ctx, dir, t, patterns...)
		if err == nil {
			fmt.Fprintf(w, "%s: every package type-checks (%.0fs)\n", t, time.Since(t0).Seconds())
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
