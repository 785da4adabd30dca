package svgcheck

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Namespace is the SVG namespace an <svg> root must declare.
const Namespace = "http://www.w3.org/2000/svg"

// Info is what [Check] read from a chart.
type Info struct {
	Title string
	// Shows are the labels the <desc> claims, in its order.
	Shows []string
	// Texts are the contents of every <text> (its tspans' included) and
	// <tspan>, whitespace collapsed.
	Texts []string
	// Width is the drawing's width in user units (the viewBox's, else the
	// width attribute's).
	Width float64
	// Smallest is the text drawn smallest, and SmallestPx its size in
	// pixels when the drawing is shown ProjectorWidth pixels wide.
	Smallest   string
	SmallestPx float64
}

// ProjectorWidth and MinTextPx are the readability rule: shown this many
// pixels wide (a 1080p projector), no text may be smaller than MinTextPx
// pixels, the smallest a back row reads (issue 21).
const (
	ProjectorWidth = 1920
	MinTextPx      = 14
)

// defaultFontSize is a browser's font size where no element sets one.
const defaultFontSize = 16

// Check parses an SVG document and returns what it read, and an error
// listing every problem found.
func Check(svg []byte) (Info, error) {
	info, problems := read(svg)
	if len(problems) == 0 {
		problems = append(problems, judge(info)...)
	}
	return info, errors.Join(problems...)
}

// read parses the document; it stops at the first XML error.
func read(svg []byte) (Info, []error) {
	var (
		info     Info
		problems []error
		stack    []string
		texts    []*strings.Builder // one per open element: a parent's text includes its children's
		sizes    []float64          // one per open element: its font size in user units
		desc     string
	)
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, append(problems, fmt.Errorf("not well-formed XML: %w", err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				problems = append(problems, checkRoot(t)...)
				info.Width = rootWidth(t)
			}
			problems = append(problems, checkElement(t)...)
			parentSize := float64(defaultFontSize)
			if len(sizes) > 0 {
				parentSize = sizes[len(sizes)-1]
			}
			stack = append(stack, t.Name.Local)
			texts = append(texts, new(strings.Builder))
			sizes = append(sizes, fontSize(t, parentSize))
		case xml.CharData:
			for _, b := range texts {
				b.Write(t)
			}
			// Drawn text is a <text>'s or <tspan>'s own characters, at its size.
			if n := len(stack); n > 0 && (stack[n-1] == "text" || stack[n-1] == "tspan") {
				if s := strings.Join(strings.Fields(string(t)), " "); s != "" {
					info.noteSize(s, sizes[n-1])
				}
			}
		case xml.EndElement:
			raw := texts[len(texts)-1].String()
			s := strings.Join(strings.Fields(raw), " ")
			parent := ""
			if len(stack) >= 2 {
				parent = stack[len(stack)-2]
			}
			switch {
			case t.Name.Local == "title" && parent == "svg":
				info.Title = s
			case t.Name.Local == "desc" && parent == "svg":
				desc = raw
			case t.Name.Local == "text" || t.Name.Local == "tspan":
				if s != "" {
					info.Texts = append(info.Texts, s)
				}
			}
			stack = stack[:len(stack)-1]
			texts = texts[:len(texts)-1]
			sizes = sizes[:len(sizes)-1]
		}
	}
	info.Shows = shows(desc)
	return info, problems
}

func checkRoot(t xml.StartElement) []error {
	var problems []error
	if t.Name.Local != "svg" || t.Name.Space != Namespace {
		problems = append(problems, fmt.Errorf("root element is <%s> in namespace %q, want <svg xmlns=%q>", t.Name.Local, t.Name.Space, Namespace))
	}
	has := map[string]bool{}
	for _, a := range t.Attr {
		has[a.Name.Local] = true
	}
	if !has["viewBox"] && !(has["width"] && has["height"]) {
		problems = append(problems, errors.New("<svg> has neither a viewBox nor width and height: it renders at an arbitrary size"))
	}
	return problems
}

// checkElement refuses what GitHub will not render.
func checkElement(t xml.StartElement) []error {
	var problems []error
	switch t.Name.Local {
	case "script", "foreignObject", "image":
		problems = append(problems, fmt.Errorf("<%s> is not rendered by GitHub (or needs a network): draw it in plain SVG", t.Name.Local))
	}
	for _, a := range t.Attr {
		if a.Name.Local == "href" && !strings.HasPrefix(a.Value, "#") {
			problems = append(problems, fmt.Errorf("<%s> refers to %q: only references within the file render", t.Name.Local, a.Value))
		}
		if strings.HasPrefix(a.Name.Local, "on") {
			problems = append(problems, fmt.Errorf("<%s> has an event handler %s", t.Name.Local, a.Name.Local))
		}
	}
	return problems
}

// shows reads the labels of a desc's "shows:" line.
func shows(desc string) []string {
	for _, l := range strings.Split(desc, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "shows:")
		if !ok {
			continue
		}
		var out []string
		for _, s := range strings.Split(rest, ";") {
			if s = strings.Join(strings.Fields(s), " "); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// noteSize keeps the smallest text, in pixels at ProjectorWidth.
func (info *Info) noteSize(text string, size float64) {
	if info.Width <= 0 {
		return
	}
	px := size * ProjectorWidth / info.Width
	if info.Smallest == "" || px < info.SmallestPx {
		info.Smallest, info.SmallestPx = text, px
	}
}

// rootWidth is the drawing's width in user units: the viewBox's, else the
// width attribute's; 0 when neither reads as a number.
func rootWidth(t xml.StartElement) float64 {
	var width float64
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "viewBox":
			if f := strings.FieldsFunc(a.Value, func(r rune) bool { return r == ' ' || r == ',' }); len(f) == 4 {
				if w, err := strconv.ParseFloat(f[2], 64); err == nil {
					return w
				}
			}
		case "width":
			width, _ = strconv.ParseFloat(strings.TrimSuffix(a.Value, "px"), 64)
		}
	}
	return width
}

// fontSize is an element's font size in user units: its font-size
// attribute or style property (a number, px, em or %), else its parent's.
func fontSize(t xml.StartElement, parent float64) float64 {
	v := ""
	for _, a := range t.Attr {
		switch a.Name.Local {
		case "font-size":
			if v == "" {
				v = a.Value
			}
		case "style":
			for _, decl := range strings.Split(a.Value, ";") {
				if k, val, ok := strings.Cut(decl, ":"); ok && strings.TrimSpace(k) == "font-size" {
					v = val // a style property wins over the attribute
				}
			}
		}
	}
	v = strings.TrimSpace(v)
	scale := 1.0
	switch {
	case strings.HasSuffix(v, "em"):
		v, scale = strings.TrimSuffix(v, "em"), parent
	case strings.HasSuffix(v, "%"):
		v, scale = strings.TrimSuffix(v, "%"), parent/100
	default:
		v = strings.TrimSuffix(v, "px")
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return parent
	}
	return f * scale
}

// judge checks the claims against the texts, and the text's size.
func judge(info Info) []error {
	var problems []error
	if info.Smallest != "" && info.SmallestPx < MinTextPx-0.01 {
		problems = append(problems, fmt.Errorf("text %q is %.1f px when the drawing is shown %d px wide (a projector), want at least %d: give it a font-size of at least %.1f in a drawing %.0f wide",
			info.Smallest, info.SmallestPx, ProjectorWidth, MinTextPx, MinTextPx*info.Width/ProjectorWidth, info.Width))
	}
	if info.Title == "" {
		problems = append(problems, errors.New("no <title> (or an empty one) directly under <svg>: screen readers and GitHub's tooltip show it"))
	}
	if len(info.Shows) == 0 {
		problems = append(problems, errors.New(`no "shows: A; B; ..." line in the <desc> directly under <svg>: say what the picture shows`))
	}
	for _, want := range info.Shows {
		if !containsLabel(info.Texts, want) {
			problems = append(problems, fmt.Errorf("the <desc> says it shows %q, but no <text> holds it", want))
		}
	}
	return problems
}

// containsLabel reports whether some text holds the label ("verdict"
// is in "verdict: fixed — ...").
func containsLabel(texts []string, label string) bool {
	for _, t := range texts {
		if strings.Contains(t, label) {
			return true
		}
	}
	return false
}
