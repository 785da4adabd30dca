package svgcheck_test

import (
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/svgcheck"
)

const good = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">
<title>A chart</title>
<desc>What it is.
shows: lane A; verdict</desc>
<text x="1" y="1">lane   A</text>
<g><text x="1" y="1"><tspan>verdict: fixed</tspan></text></g>
</svg>`

func TestCheck(t *testing.T) {
	t.Parallel()
	info, err := svgcheck.Check([]byte(good))
	if err != nil {
		t.Fatalf("a good chart: %v", err)
	}
	if info.SmallestPx != 307.2 {
		t.Errorf("smallest text %q at %v px, want the default 16 px scaled from 100 to 1920 wide: 307.2", info.Smallest, info.SmallestPx)
	}
	if info.Title != "A chart" || strings.Join(info.Shows, "|") != "lane A|verdict" {
		t.Errorf("read title %q, shows %q; want %q, [lane A verdict]", info.Title, info.Shows, "A chart")
	}
	for _, tc := range []struct{ name, svg, want string }{
		{"not XML", `<svg xmlns="http://www.w3.org/2000/svg"><title>x</title>`, "not well-formed XML"},
		{"no namespace", strings.Replace(good, ` xmlns="http://www.w3.org/2000/svg"`, "", 1), "want <svg xmlns="},
		{"no size", strings.Replace(good, ` width="100" height="50"`, "", 1), "neither a viewBox nor width and height"},
		{"no title", strings.Replace(good, "<title>A chart</title>", "", 1), "no <title>"},
		{"no claims", strings.Replace(good, "shows: lane A; verdict", "", 1), `no "shows: A; B; ..."`},
		{"claim not drawn", strings.Replace(good, "lane   A", "lane B", 1), `shows "lane A", but no <text> holds it`},
		{"script", strings.Replace(good, "</svg>", "<script>alert(1)</script></svg>", 1), "<script> is not rendered"},
		{"external image", strings.Replace(good, "</svg>", `<use href="https://example.com/a.svg#x"/></svg>`, 1), "only references within the file render"},
		{"event handler", strings.Replace(good, `<g>`, `<g onclick="x()">`, 1), "event handler onclick"},
		// 100 wide shown 1920 wide: font-size 0.7 is 13.4 px.
		{"small text", strings.Replace(good, `<g>`, `<g font-size="0.7">`, 1), `text "verdict: fixed" is 13.4 px when the drawing is shown 1920 px wide`},
		// 3000 wide shown 1920 wide: half of the default 16 is 5.1 px.
		{"small text in a style", strings.NewReplacer(`width="100" height="50"`, `viewBox="0 0 3000 100"`, `<tspan>`, `<tspan style="fill: red; font-size: 50%">`).Replace(good), `text "verdict: fixed" is 5.1 px`},
		{"small text in a viewBox", strings.Replace(good, `width="100" height="50"`, `viewBox="0 0 3000 100" font-size="20"`, 1), `is 12.8 px`},
	} {
		_, err := svgcheck.Check([]byte(tc.svg))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
