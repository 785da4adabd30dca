package live

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/bloglabs/posts/labs/report"
)

// ErrNotLabJSON is returned (wrapped) by [Load] for a file that is not a
// race, fix or compare lab's --json output.
var ErrNotLabJSON = errors.New("not a lab's --json output")

// Load reads a lab's --json output: a *report.Result (race, fix) or a
// *report.Comparison (compare).
func Load(file string) (any, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	v, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("replay %s: %w", file, err)
	}
	return v, nil
}

// parse decodes a lab's JSON, and says what else it is when it is not one.
func parse(b []byte) (any, error) {
	var probe struct {
		Lab      *string          `json:"lab"`
		Outcomes *json.RawMessage `json:"replica_outcomes"`
		Runs     *json.RawMessage `json:"runs"`
	}
	switch {
	case len(bytes.TrimSpace(b)) == 0:
		return nil, fmt.Errorf("%w: the file is empty", ErrNotLabJSON)
	case !json.Valid(b):
		return nil, fmt.Errorf("%w: the file is not JSON", ErrNotLabJSON)
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("%w: the file is JSON, but not one lab's result (%v)", ErrNotLabJSON, err)
	}
	switch {
	case probe.Lab == nil:
		return nil, fmt.Errorf("%w: it has no \"lab\" field", ErrNotLabJSON)
	case *probe.Lab == "compare" && probe.Runs != nil:
		var c report.Comparison
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("%w: compare: %v", ErrNotLabJSON, err)
		}
		return &c, nil
	case (*probe.Lab == "race" || *probe.Lab == "fix" || strings.HasPrefix(*probe.Lab, "compare/")) && probe.Outcomes != nil:
		var r report.Result
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrNotLabJSON, *probe.Lab, err)
		}
		return &r, nil
	}
	return nil, fmt.Errorf("%w: lab %q, with neither the replicas' timelines of race and fix nor compare's runs", ErrNotLabJSON, *probe.Lab)
}
