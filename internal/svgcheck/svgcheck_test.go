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
	} {
		_, err := svgcheck.Check([]byte(tc.svg))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
