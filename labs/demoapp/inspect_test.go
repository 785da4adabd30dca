package demoapp

import (
	"slices"
	"testing"
)

func TestPlanProblems(t *testing.T) {
	t.Parallel()
	seed := []string{"free", "pro", "team"}
	for _, tc := range []struct {
		name   string
		counts map[string]int
		want   []string
	}{
		{"as designed", map[string]int{"free": 1, "pro": 1, "team": 1}, nil},
		{"seeded by every replica", map[string]int{"free": 3, "pro": 3, "team": 3},
			[]string{"plans holds 9 seed rows, want 3: free ×3, pro ×3, team ×3"}},
		{"one missing, one extra", map[string]int{"free": 1, "pro": 1, "gold": 1, "basic": 2},
			[]string{"plans lacks seed rows: team", "plans holds unexpected rows: basic, gold"}},
		{"empty", map[string]int{}, []string{"plans lacks seed rows: free, pro, team"}},
	} {
		if got := planProblems(tc.counts, seed); !slices.Equal(got, tc.want) {
			t.Errorf("%s: planProblems = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestVersionProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		rows   map[int64]int
		target int64
		want   []string
	}{
		{"as designed", map[int64]int{0: 1, 1: 1, 2: 1, 3: 1}, 3, nil},
		{"recorded by every replica", map[int64]int{0: 1, 1: 1, 2: 1, 3: 5}, 4,
			[]string{"goose_db_version records versions more than once: 3 ×5", "goose_db_version lacks versions: 4"}},
		{"beyond the target, in order", map[int64]int{0: 1, 1: 1, 5: 1, 4: 1}, 1,
			[]string{"goose_db_version records version 4, beyond the target 1", "goose_db_version records version 5, beyond the target 1"}},
	} {
		if got := versionProblems(tc.rows, tc.target); !slices.Equal(got, tc.want) {
			t.Errorf("%s: versionProblems = %q, want %q", tc.name, got, tc.want)
		}
	}
}
