package workshop

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Step is one ```sh block of an exercise and the ```text checkpoint that
// follows it, if any.
type Step struct {
	// Line is the fence's line number in the file (1-based), for messages.
	Line   int
	Script string
	// Exit is the status the step must end with.
	Exit int
	// Needs names what the step cannot run without: "docker" or "kind".
	Needs   string
	Timeout time.Duration
	// Checkpoint holds the non-empty lines of the ```text block after it.
	Checkpoint []string
	// ID names the step (fence attribute id=NAME), for the claims about it.
	ID string
	// Claims are what the prose says this step's output shows, beyond its
	// checkpoint ([Claim]).
	Claims []Claim
	// Extra is true for a step of the exercise's "Break it" section: beyond
	// its goal, so a check does not hold the run to it.
	Extra bool
}

// stepID is what a step's id=NAME may be.
var stepID = regexp.MustCompile(`^[a-z0-9-]+$`)

// DefaultStepTimeout bounds a step that does not say otherwise; the labs'
// steps take seconds, so a step that reaches it has hung.
const DefaultStepTimeout = 3 * time.Minute

// fence is one fenced block of a Markdown file.
type fence struct {
	line  int
	info  string // what follows the backticks: "sh exit=1"
	lines []string
	// section is the "## " heading the block is under ("" before any).
	section string
}

// fences splits a Markdown file into its fenced blocks, in order. It returns
// an error for a block that is never closed (the rest of the file would
// silently not run).
func fences(src string) ([]fence, []int, error) {
	var (
		out  []fence
		gaps []int // gaps[i]: non-blank lines between out[i-1] and out[i]
		cur  *fence
		gap  int
		sect string
	)
	for i, l := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(l)
		switch {
		case cur == nil && strings.HasPrefix(l, "## "):
			sect = strings.TrimSpace(strings.TrimPrefix(l, "## "))
			gap++
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &fence{line: i + 1, info: strings.TrimSpace(strings.TrimPrefix(trimmed, "```")), section: sect}
		case cur != nil && trimmed == "```":
			out = append(out, *cur)
			gaps = append(gaps, gap)
			cur, gap = nil, 0
		case cur != nil:
			cur.lines = append(cur.lines, l)
		case trimmed != "":
			gap++
		}
	}
	if cur != nil {
		return nil, nil, fmt.Errorf("line %d: the fenced block ```%s is never closed", cur.line, cur.info)
	}
	return out, gaps, nil
}

// ParseSteps returns an exercise's steps: each ```sh block, with the
// ```text block that follows it (only blank lines between) as its
// checkpoint. It returns an error for a block that is never closed and for
// a fence attribute it does not know.
func ParseSteps(src string) ([]Step, error) {
	fs, gaps, err := fences(src)
	if err != nil {
		return nil, err
	}
	var steps []Step
	for i, f := range fs {
		words := strings.Fields(f.info)
		if len(words) == 0 || words[0] != "sh" {
			continue
		}
		s := Step{Line: f.line, Script: strings.Join(f.lines, "\n") + "\n", Timeout: DefaultStepTimeout,
			Extra: strings.HasPrefix(f.section, "Break it")}
		if err := s.setAttributes(words[1:]); err != nil {
			return nil, fmt.Errorf("line %d: %w", f.line, err)
		}
		if i+1 < len(fs) && gaps[i+1] == 0 && strings.TrimSpace(fs[i+1].info) == "text" {
			for _, l := range fs[i+1].lines {
				if strings.TrimSpace(l) != "" {
					s.Checkpoint = append(s.Checkpoint, l)
				}
			}
		}
		steps = append(steps, s)
	}
	return attachClaims(src, steps)
}

// attachClaims gives each step the claims that name its id.
func attachClaims(src string, steps []Step) ([]Step, error) {
	claims, err := ParseClaims(src)
	if err != nil {
		return nil, err
	}
	byID := map[string]int{}
	for i, s := range steps {
		if s.ID == "" {
			continue
		}
		if j, dup := byID[s.ID]; dup {
			return nil, fmt.Errorf("line %d: id=%s is taken by the step at line %d", s.Line, s.ID, steps[j].Line)
		}
		byID[s.ID] = i
	}
	for _, c := range claims {
		i, ok := byID[c.Step]
		if !ok {
			return nil, fmt.Errorf("line %d: claim about step %q, and no ```sh fence has id=%s", c.Line, c.Step, c.Step)
		}
		steps[i].Claims = append(steps[i].Claims, c)
	}
	return steps, nil
}

func (s *Step) setAttributes(attrs []string) error {
	for _, a := range attrs {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("fence attribute %q: want key=value (exit=N, needs=docker|kind, timeout=D, id=NAME)", a)
		}
		switch k {
		case "exit":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 255 {
				return fmt.Errorf("exit=%s: want a status 0-255", v)
			}
			s.Exit = n
		case "needs":
			if v != "docker" && v != "kind" {
				return fmt.Errorf("needs=%s: want docker or kind", v)
			}
			s.Needs = v
		case "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("timeout=%s: want a duration such as 90s", v)
			}
			s.Timeout = d
		case "id":
			if !stepID.MatchString(v) {
				return fmt.Errorf("id=%s: want lower-case letters, digits and dashes", v)
			}
			s.ID = v
		default:
			return fmt.Errorf("fence attribute %q: unknown (exit, needs, timeout, id)", k)
		}
	}
	return nil
}
