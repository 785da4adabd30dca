package slides

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/internal/repo"
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

// Split splits a pack's Markdown into its slides at lines that hold
// only --- (outside fenced blocks).
func Split(src string) []Slide {
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

// Build renders the pack at file (Markdown, slides split by ---)
// into one self-contained HTML page: the styles and the keyboard script
// inline, local SVG pictures embedded as data: URIs, nothing fetched from
// a network. It returns the page and the slides.
func Build(file string) ([]byte, []Slide, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("slides: %w", err)
	}
	slides := Split(string(src))
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

const usage = `usage: workshopslides [--out FILE]

Builds the workshop's projector pack, docs/workshop/slides.md, into one
self-contained HTML page that needs no network.`

// Run is the workshopslides command: args are what follows its name.
func Run(ctx context.Context, streams cli.Streams, args []string) error {
	fs := cli.NewFlagSet("workshopslides", usage)
	out := fs.String("out", "", "write the page to `FILE` (default out/workshop-slides.html in the clone)")
	if err := cli.Parse(fs, args, streams); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("unexpected argument %q", fs.Arg(0))
	}
	root, err := repo.Root()
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join(root, "out", "workshop-slides.html")
	}
	page, slides, err := Build(filepath.Join(root, "docs", "workshop", "slides.md"))
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

// ExitCode maps Run's error to the exit status: 0, 64 for a usage error, 1.
func ExitCode(err error) int { return cli.ExitCode(err, 1) }

// The page: one slide per screen (1920×1080 on a projector), one at a time, text at 30 px
// and code at 24 px; nothing under 18 px.
const pageHead = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%s</title>
<style>
body { margin: 0; background: #fff; color: #111; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; font-size: 30px; line-height: 1.35; }
.slide { box-sizing: border-box; min-height: 100vh; padding: 48px 96px; position: relative; display: none; }
.slide:target, body:not(:has(.slide:target)) #s1 { display: block; }
@media print { .slide { display: block; break-after: page; } }
h1 { font-size: 56px; margin: 0 0 24px; }
h2 { font-size: 44px; margin: 0 0 24px; }
h3 { font-size: 34px; margin: 24px 0 12px; }
pre { background: #f3f3f3; padding: 16px 24px; border-left: 8px solid #c33; overflow-x: auto; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 24px; }
table { border-collapse: collapse; font-size: 26px; }
td, th { border: 1px solid #999; padding: 6px 14px; text-align: left; }
p > img:only-child { display: block; width: 100%%; height: calc(100vh - 200px); object-fit: contain; }
li { margin: 6px 0; }
.n { position: absolute; right: 32px; bottom: 20px; font-size: 18px; color: #555; }
</style></head>
<body>
`

const pageTail = `<script>
// One slide at a time, #s1, #s2, ...: the arrow keys, Page Up/Down and the
// space bar move; nothing is loaded from anywhere.
document.addEventListener("keydown", function (e) {
  var step = {ArrowRight: 1, ArrowDown: 1, PageDown: 1, " ": 1, ArrowLeft: -1, ArrowUp: -1, PageUp: -1}[e.key];
  if (!step) return;
  e.preventDefault();
  var n = document.querySelectorAll(".slide").length;
  var i = parseInt((location.hash.match(/^#s(\d+)$/) || [0, 1])[1], 10);
  location.hash = "#s" + Math.max(1, Math.min(n, i + step));
});
</script>
</body></html>
`
