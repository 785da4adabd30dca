package workshop

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// Slide is one slide of the projector pack: the Markdown between two lines
// that hold only ---.
type Slide struct {
	// Title is the slide's first heading's text.
	Title    string
	Markdown string
}

// SplitSlides splits a pack's Markdown into its slides at lines that hold
// only --- (outside fenced blocks).
func SplitSlides(src string) []Slide {
	var slides []Slide
	var cur []string
	inFence := false
	flush := func() {
		md := strings.TrimSpace(strings.Join(cur, "\n"))
		if md != "" {
			slides = append(slides, Slide{Title: firstHeading(md), Markdown: md + "\n"})
		}
		cur = nil
	}
	for _, l := range strings.Split(src, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inFence = !inFence
		}
		if !inFence && strings.TrimSpace(l) == "---" {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return slides
}

func firstHeading(md string) string {
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(l, "#") {
			return strings.TrimSpace(strings.TrimLeft(l, "#"))
		}
	}
	return ""
}

// svgImage is an <img> goldmark wrote for a local SVG picture.
var svgImage = regexp.MustCompile(`<img src="([^":]+\.svg)"`)

// BuildSlides renders the pack at file (Markdown, slides split by ---)
// into one self-contained HTML page: the styles and the keyboard script
// inline, local SVG pictures embedded as data: URIs, nothing fetched from
// a network. It returns the page and the slides.
func BuildSlides(file string) ([]byte, []Slide, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("slides: %w", err)
	}
	slides := SplitSlides(string(src))
	if len(slides) == 0 {
		return nil, nil, fmt.Errorf("slides: %s holds no slide", file)
	}
	md := goldmark.New(goldmark.WithExtensions(extension.Table))
	var page bytes.Buffer
	fmt.Fprintf(&page, pageHead, html.EscapeString(slides[0].Title))
	for i, s := range slides {
		var body bytes.Buffer
		if err := md.Convert([]byte(s.Markdown), &body); err != nil {
			return nil, nil, fmt.Errorf("slides: slide %d (%s): %w", i+1, s.Title, err)
		}
		inlined, err := inlineSVG(body.String(), filepath.Dir(file))
		if err != nil {
			return nil, nil, fmt.Errorf("slides: slide %d (%s): %w", i+1, s.Title, err)
		}
		fmt.Fprintf(&page, "<section class=\"slide\" id=\"s%d\">\n%s<div class=\"n\">%d / %d</div>\n</section>\n", i+1, inlined, i+1, len(slides))
	}
	page.WriteString(pageTail)
	return page.Bytes(), slides, nil
}

func inlineSVG(body, dir string) (string, error) {
	var err error
	out := svgImage.ReplaceAllStringFunc(body, func(m string) string {
		name := svgImage.FindStringSubmatch(m)[1]
		b, readErr := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if readErr != nil {
			err = fmt.Errorf("picture %s: %w", name, readErr)
			return m
		}
		return `<img src="data:image/svg+xml;base64,` + base64.StdEncoding.EncodeToString(b) + `"`
	})
	return out, err
}

func slidesCommand(root string, args []string, streams cli.Streams) error {
	fs := cli.NewFlagSet("workshop slides", "usage: workshop slides [--out FILE]\n\nBuilds docs/workshop/slides.md into one offline HTML page.")
	out := fs.String("out", filepath.Join(root, "out", "workshop-slides.html"), "write the page to `FILE`")
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	page, slides, err := BuildSlides(filepath.Join(root, "docs", "workshop", "slides.md"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return fmt.Errorf("slides: %w", err)
	}
	if err := os.WriteFile(*out, page, 0o644); err != nil {
		return fmt.Errorf("slides: %w", err)
	}
	fmt.Fprintf(streams.Out, "%s: %d slides (open it in a browser; → and ← or Page Down and Page Up move, F11 fills the screen)\n", *out, len(slides))
	return nil
}

// The page: one slide per screen (1920×1080 on a projector), text at 30 px
// and code at 24 px; nothing under 18 px.
const pageHead = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
<style>
html { scroll-snap-type: y mandatory; }
body { margin: 0; background: #fff; color: #111; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 30px; line-height: 1.35; }
.slide { box-sizing: border-box; min-height: 100vh; padding: 48px 96px; scroll-snap-align: start; position: relative; border-bottom: 2px solid #ccc; }
h1 { font-size: 56px; margin: 0 0 24px; }
h2 { font-size: 44px; margin: 0 0 24px; }
h3 { font-size: 34px; margin: 24px 0 12px; }
pre { background: #f3f3f3; padding: 16px 24px; border-left: 8px solid #c33; overflow-x: auto; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 24px; }
table { border-collapse: collapse; font-size: 26px; }
td, th { border: 1px solid #999; padding: 6px 14px; text-align: left; }
img { max-width: 100%%; max-height: 70vh; background: #fff; }
li { margin: 6px 0; }
.n { position: absolute; right: 32px; bottom: 20px; font-size: 18px; color: #555; }
</style></head>
<body>
`

const pageTail = `<script>
// Arrow keys and Page Up/Down move one slide; nothing is loaded from anywhere.
document.addEventListener("keydown", function (e) {
  var next = {ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1, ArrowLeft: -1, ArrowUp: -1, PageUp: -1}[e.key];
  if (!next) return;
  e.preventDefault();
  var s = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  var i = s.findIndex(function (el) { return el.getBoundingClientRect().top > -10; });
  if (i < 0) i = s.length - 1;
  var t = s[Math.max(0, Math.min(s.length - 1, i + next))];
  t.scrollIntoView();
});
</script>
</body></html>
`
