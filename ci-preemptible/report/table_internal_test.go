package report

import "testing"

// Issue 21: a cost that rounds to no change reads "±0%", not "-0%"; small
// changes keep a decimal so they do not all read the same.
func TestVsFirst(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		cost, base float64
		first      bool
		want       string
	}{
		{571.86, 571.86, true, "-"},
		{306.33, 571.86, false, "-46%"},
		{569.28, 571.86, false, "-0.5%"},
		{571.80, 571.86, false, "±0%"},
		{600, 571.86, false, "+4.9%"},
		{630, 571.86, false, "+10%"},
		{1, 0, false, "-"},
	} {
		if got := vsFirst(tc.cost, tc.base, tc.first); got != tc.want {
			t.Errorf("vsFirst(%v, %v, %v) = %q, want %q", tc.cost, tc.base, tc.first, got, tc.want)
		}
	}
}
