package workshop

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Claim is what an exercise's prose says a step shows — a number, an
// order, a count — written beside the prose as an HTML comment (readers
// of the rendered page do not see it) that [Claim.Check] evaluates
// against the step's output:
//
//	<!-- claim race: every replica ran the step, each before the first recorded version 3
//	count(`demo-[0-9]+ .* ran the step`) == 3
//	max(`([0-9.]+) ran the step`) < min(`([0-9.]+) migrated v`)
//	-->
//
// The first line names the step (its fence's id=NAME) and says the claim
// in words; every following line is a comparison that must hold.
type Claim struct {
	// Line is the comment's first line in the file (1-based).
	Line int
	// Step is the id of the step whose output the claim is about.
	Step string
	// Text is the claim in words, for messages.
	Text string
	// Rules are the comparisons, all of which must hold.
	Rules []Comparison
}

// Comparison is one line of a claim: Left Op Right.
type Comparison struct {
	Src         string
	Left, Right Expr
	Op          string
}

// Expr is a sum of terms: numbers, and aggregates of what a regular
// expression finds in the output.
type Expr struct {
	Terms []Term
}

// Term is one operand of an Expr: a number, or Agg(`Re`), with its sign.
type Term struct {
	Neg   bool
	Num   float64
	Agg   string // count, min, max, first, last, sum; "" for a number
	Re    *regexp.Regexp
	ReSrc string
}

var (
	claimStart = regexp.MustCompile(`^<!--\s*claim\s+([a-z0-9-]+):\s*(.*)$`)
	aggTerm    = regexp.MustCompile("^(count|min|max|first|last|sum)\\(`([^`]+)`\\)")
	numTerm    = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?`)
	compareOps = []string{"<=", ">=", "==", "!=", "<", ">"}
)

// ParseClaims returns the claim comments of an exercise, in file order.
func ParseClaims(src string) ([]Claim, error) {
	var (
		out []Claim
		cur *Claim
	)
	for i, l := range strings.Split(src, "\n") {
		t := strings.TrimSpace(l)
		if cur == nil {
			m := claimStart.FindStringSubmatch(t)
			if m == nil {
				if strings.HasPrefix(t, "<!--") && strings.Contains(t, "claim") {
					return nil, fmt.Errorf("line %d: a claim comment starts <!-- claim STEP-ID: what the prose says", i+1)
				}
				continue
			}
			cur = &Claim{Line: i + 1, Step: m[1], Text: strings.TrimSpace(m[2])}
			continue
		}
		if t == "-->" {
			if len(cur.Rules) == 0 {
				return nil, fmt.Errorf("line %d: claim %q has no comparison", cur.Line, cur.Text)
			}
			out = append(out, *cur)
			cur = nil
			continue
		}
		if t == "" {
			continue
		}
		c, err := parseComparison(t)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		cur.Rules = append(cur.Rules, c)
	}
	if cur != nil {
		return nil, fmt.Errorf("line %d: claim %q is never closed with -->", cur.Line, cur.Text)
	}
	return out, nil
}

func parseComparison(s string) (Comparison, error) {
	c := Comparison{Src: s}
	left, rest, err := parseExpr(s)
	if err != nil {
		return c, err
	}
	for _, op := range compareOps {
		if strings.HasPrefix(rest, op) {
			c.Op = op
			break
		}
	}
	if c.Op == "" {
		return c, fmt.Errorf("%q: want a comparison (<, <=, >, >=, ==, !=) after %q", s, strings.TrimSpace(s[:len(s)-len(rest)]))
	}
	right, rest, err := parseExpr(strings.TrimPrefix(rest, c.Op))
	if err != nil {
		return c, err
	}
	if rest != "" {
		return c, fmt.Errorf("%q: unexpected %q at the end", s, rest)
	}
	c.Left, c.Right = left, right
	return c, nil
}

// parseExpr reads terms joined by + and - from the start of s and returns
// what follows them, trimmed.
func parseExpr(s string) (Expr, string, error) {
	var e Expr
	neg := false
	for {
		s = strings.TrimSpace(s)
		t, rest, err := parseTerm(s)
		if err != nil {
			return e, s, err
		}
		t.Neg = neg
		e.Terms = append(e.Terms, t)
		s = strings.TrimSpace(rest)
		switch {
		case strings.HasPrefix(s, "+"):
			neg = false
		case strings.HasPrefix(s, "-"):
			neg = true
		default:
			return e, s, nil
		}
		s = s[1:]
	}
}

func parseTerm(s string) (Term, string, error) {
	if m := aggTerm.FindStringSubmatch(s); m != nil {
		re, err := regexp.Compile(m[2])
		if err != nil {
			return Term{}, s, fmt.Errorf("%s(`%s`): %w", m[1], m[2], err)
		}
		if m[1] != "count" && re.NumSubexp() < 1 {
			return Term{}, s, fmt.Errorf("%s(`%s`): the expression needs a group, (…), around the number", m[1], m[2])
		}
		return Term{Agg: m[1], Re: re, ReSrc: m[2]}, s[len(m[0]):], nil
	}
	if m := numTerm.FindString(s); m != "" {
		n, err := strconv.ParseFloat(m, 64)
		if err != nil {
			return Term{}, s, fmt.Errorf("%q: %w", m, err)
		}
		return Term{Num: n}, s[len(m):], nil
	}
	return Term{}, s, fmt.Errorf("%q: want a number or count|min|max|first|last|sum(`regexp`)", s)
}

// Check evaluates every comparison of the claim against output (each line
// compared as [Missing] compares checkpoints: no colour codes, runs of
// blanks as one space). The error names the claim, the comparison that
// does not hold and the values it saw.
func (c Claim) Check(output string) error {
	var lines []string
	for _, l := range strings.Split(output, "\n") {
		lines = append(lines, normalize(l))
	}
	for _, r := range c.Rules {
		l, lv, err := r.Left.eval(lines)
		if err != nil {
			return fmt.Errorf("claim %q (line %d): %s: %w", c.Text, c.Line, r.Src, err)
		}
		rv, rvs, err := r.Right.eval(lines)
		if err != nil {
			return fmt.Errorf("claim %q (line %d): %s: %w", c.Text, c.Line, r.Src, err)
		}
		if !compare(l, r.Op, rv) {
			return fmt.Errorf("claim %q (line %d) does not hold: %s, with %s %s %s", c.Text, c.Line, r.Src, lv, r.Op, rvs)
		}
	}
	return nil
}

func compare(a float64, op string, b float64) bool {
	switch op {
	case "<":
		return a < b
	case "<=":
		return a <= b
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "==":
		return a == b
	default:
		return a != b
	}
}

// eval returns the expression's value and how it was computed, for messages.
func (e Expr) eval(lines []string) (float64, string, error) {
	var (
		sum   float64
		parts []string
	)
	for i, t := range e.Terms {
		v, err := t.eval(lines)
		if err != nil {
			return 0, "", err
		}
		s := strconv.FormatFloat(v, 'g', -1, 64)
		if i > 0 {
			s = map[bool]string{false: "+ ", true: "- "}[t.Neg] + s
		}
		parts = append(parts, s)
		if t.Neg {
			v = -v
		}
		sum += v
	}
	return sum, strings.Join(parts, " "), nil
}

func (t Term) eval(lines []string) (float64, error) {
	if t.Agg == "" {
		return t.Num, nil
	}
	var vals []float64
	n := 0
	for _, l := range lines {
		for _, m := range t.Re.FindAllStringSubmatch(l, -1) {
			n++
			if t.Agg == "count" {
				continue
			}
			v, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				return 0, fmt.Errorf("%s(`%s`): %q in %q is not a number", t.Agg, t.ReSrc, m[1], l)
			}
			vals = append(vals, v)
		}
	}
	if t.Agg == "count" {
		return float64(n), nil
	}
	if len(vals) == 0 {
		return 0, fmt.Errorf("%s(`%s`): no line of the output matches", t.Agg, t.ReSrc)
	}
	return aggregate(t.Agg, vals), nil
}

func aggregate(agg string, vals []float64) float64 {
	v := vals[0]
	switch agg {
	case "last":
		v = vals[len(vals)-1]
	case "min":
		for _, x := range vals {
			v = min(v, x)
		}
	case "max":
		for _, x := range vals {
			v = max(v, x)
		}
	case "sum":
		v = 0
		for _, x := range vals {
			v += x
		}
	}
	return v
}
