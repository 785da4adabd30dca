package slides

import (
	"encoding/base64"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bloglabs/posts/tools/workshop"
)

func kit(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "docs", "workshop"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// The projector pack builds into one page that fetches nothing; every
// exercise has its slide, whose "point at" lines are real output (in the
// exercise's transcript); and at 1920×1080 no text is under 14 px: the
// page's own styles, and each picture's smallest text at the size its
// slide draws it.
func TestSlides(t *testing.T) {
	t.Parallel()
	page, slides, err := Build(filepath.Join(kit(t), "slides.md"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(page)
	for _, bad := range []string{`src="http`, `href="http`, `src="//`, `url(`, `@import`, `<link`, `<script src`, `<iframe`} {
		if strings.Contains(html, bad) {
			t.Errorf("the page holds %q: it must work offline, with nothing fetched", bad)
		}
	}
	if n := strings.Count(html, `<section class="slide"`); n != len(slides) || n < 12 {
		t.Errorf("%d slide sections for %d slides; want one each, and the talk's five plus one per exercise", n, len(slides))
	}
	exs, err := workshop.Exercises(kit(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range exs {
		checkExerciseSlide(t, ex, slides)
	}
	for _, m := range regexp.MustCompile(`font-size:\s*([0-9.]+)px`).FindAllStringSubmatch(html, -1) {
		if px, _ := strconv.ParseFloat(m[1], 64); px < 14 {
			t.Errorf("the page's styles set font-size %spx, under 14 px", m[1])
		}
	}
	checkPictures(t, slides, html)
}

func checkExerciseSlide(t *testing.T, ex workshop.Exercise, slides []Slide) {
	t.Helper()
	var slide *Slide
	for i := range slides {
		if strings.HasPrefix(slides[i].Title, ex.Number+" ") && strings.Contains(slides[i].Markdown, "**Point at**") {
			slide = &slides[i]
		}
	}
	if slide == nil {
		t.Errorf("%s has no slide (a slide titled %q… with **Point at** lines)", ex.Name, ex.Number+" —")
		return
	}
	steps, err := workshop.ParseSteps(strings.ReplaceAll(slide.Markdown, "```text", "```sh\n```\n```text"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range steps {
		lines = append(lines, s.Checkpoint...)
	}
	if len(lines) == 0 || !strings.Contains(slide.Markdown, "**Ask**") {
		t.Errorf("slide %q: want ```text lines to point at and **Ask** questions", slide.Title)
	}
	b, err := os.ReadFile(filepath.Join(kit(t), "transcripts", workshop.TranscriptFile(ex)))
	if err != nil {
		t.Errorf("slide %q: no transcript to check its lines against: %v", slide.Title, err)
		return
	}
	if miss := workshop.Missing(string(b), lines); len(miss) > 0 {
		t.Errorf("slide %q points at lines no run of %s printed (transcripts/%s): %q", slide.Title, ex.Name, workshop.TranscriptFile(ex), miss)
	}
}

// The page's geometry at 1920×1080 (pageHead's styles): slides are padded
// 96 px left and right, and a picture's box is the width left by the
// padding and the height left by the heading, 100vh - 200px.
const picW, picH = 1920 - 2*96, 1080 - 200

var (
	svgSize    = regexp.MustCompile(`<svg[^>]*\swidth="([0-9.]+)"[^>]*\sheight="([0-9.]+)"`)
	svgFont    = regexp.MustCompile(`font-size(?:="|:\s*)([0-9.]+)`)
	dataSVG    = regexp.MustCompile(`src="data:image/svg\+xml;base64,([^"]+)"`)
	slideImage = regexp.MustCompile(`!\[[^\]]*\]\([^)]+\)`)
)

func checkPictures(t *testing.T, slides []Slide, html string) {
	t.Helper()
	for _, s := range slides {
		if img := slideImage.FindString(s.Markdown); img != "" {
			rest := strings.TrimSpace(strings.Replace(s.Markdown, img, "", 1))
			if strings.Count(rest, "\n") > 0 || !strings.HasPrefix(rest, "#") {
				t.Errorf("slide %q: a picture gets a slide of its own (a heading and the picture), to fill the screen", s.Title)
			}
		}
	}
	pics := dataSVG.FindAllStringSubmatch(html, -1)
	if len(pics) == 0 {
		t.Fatal("no picture embedded in the page")
	}
	for _, p := range pics {
		svg, err := base64.StdEncoding.DecodeString(p[1])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(svg), `href="http`) {
			t.Errorf("an embedded picture links out: it would not load offline")
		}
		size := svgSize.FindStringSubmatch(string(svg))
		if size == nil {
			t.Errorf("an embedded picture has no width and height")
			continue
		}
		w, _ := strconv.ParseFloat(size[1], 64)
		h, _ := strconv.ParseFloat(size[2], 64)
		scale := math.Min(picW/w, picH/h)
		smallest := math.Inf(1)
		for _, f := range svgFont.FindAllStringSubmatch(string(svg), -1) {
			px, _ := strconv.ParseFloat(f[1], 64)
			smallest = math.Min(smallest, px)
		}
		if smallest*scale < 14 {
			t.Errorf("a %gx%g picture's smallest text, %gpx, draws at %.1f px on its slide: under 14 px", w, h, smallest, smallest*scale)
		}
	}
}
