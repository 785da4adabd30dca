package full_test

import (
	"slices"
	"testing"

	"github.com/bloglabs/posts/labs/labkit"
	"github.com/bloglabs/posts/labs/labkit/full"
)

// The full table is the light one plus exactly the rows labkit names as
// the full table's (labkit.FullOnly), so that the light lab command tells
// them from typos and hands them to the full build.
func TestFullIsLightPlusFullOnly(t *testing.T) {
	light, all := labkit.Light(), full.Table()
	rs, ps := labkit.FullOnly()
	wantR := slices.Clone(light.RuntimeNames())
	for _, r := range rs {
		wantR = append(wantR, string(r))
	}
	wantP := slices.Clone(light.ProviderNames())
	for _, p := range ps {
		wantP = append(wantP, string(p))
	}
	if got := all.RuntimeNames(); !slices.Equal(got, wantR) {
		t.Errorf("full runtimes %q, want %q", got, wantR)
	}
	if got := all.ProviderNames(); !slices.Equal(got, wantP) {
		t.Errorf("full providers %q, want %q", got, wantP)
	}
	for _, r := range all.Runtimes {
		if r.New == nil || r.Help == "" {
			t.Errorf("runtime %s: a row needs a constructor and a help line", r.Name)
		}
	}
	for _, p := range all.Providers {
		if p.Start == nil || p.Help == "" {
			t.Errorf("provider %s: a row needs Start and a help line", p.Name)
		}
	}
}
