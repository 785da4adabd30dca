package app

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/bloglabs/posts/labs/report"
)

// writeSVG writes a lab's result as a chart: the per-replica timeline for
// race and fix, the strategies' bars for compare.
func writeSVG(file string, result any) error {
	var b bytes.Buffer
	var err error
	switch r := result.(type) {
	case *report.Result:
		err = report.WriteSVG(&b, r)
	case *report.Comparison:
		err = report.WriteComparisonSVG(&b, r)
	default:
		err = fmt.Errorf("no chart for a %T", result)
	}
	if err != nil {
		return fmt.Errorf("svg: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("svg: %w", err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("svg: %w", err)
	}
	return nil
}
