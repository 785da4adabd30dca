package report

import "testing"

// Issue 21: the chart's axes end on round values in at most five round
// steps (they read 50s, 1m40s, 2m30s, 3m20s before).
func TestRoundAxis(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v         float64
		steps     []float64
		top, step float64
	}{
		{101.8, waitSteps, 120, 30},
		{190, waitSteps, 240, 60},
		{0, waitSteps, 5, 1},
		{600.45, costSteps, 800, 200},
		{23.7, costSteps, 25, 5},
		{3e6 * 86400, waitSteps, 3e6 * 86400, 6e5 * 86400},
	} {
		top, step := roundAxis(tc.v, tc.steps)
		if top != tc.top || step != tc.step {
			t.Errorf("roundAxis(%v) = %v, %v; want %v, %v", tc.v, top, step, tc.top, tc.step)
		}
	}
}
