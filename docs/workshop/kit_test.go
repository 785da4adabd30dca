package workshop

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bloglabs/posts/tools/workshop"
)

// Every ```sh block of every exercise is safe to paste into an attendee's
// interactive shell on Linux or macOS (no exit, every wait bounded, no
// GNU-only tools), and every exercise starts with its step 0, which checks
// REPO and enters the exercise's folder.
func TestPasteSafety(t *testing.T) {
	t.Parallel()
	for _, f := range exerciseFiles(t) {
		steps := readSteps(t, f)
		if err := workshop.CheckEnter(strings.TrimSuffix(f, ".md"), steps); err != nil {
			t.Error(err)
		}
		for _, s := range steps {
			for _, p := range workshop.PasteProblems(s) {
				t.Errorf("%s: %s", f, p)
			}
		}
	}
}

// Every claim marker in the exercises names a step that exists and parses
// (TestWorkshop evaluates them against that step's output).
func TestClaimsParse(t *testing.T) {
	t.Parallel()
	n := 0
	for _, f := range exerciseFiles(t) {
		for _, s := range readSteps(t, f) {
			n += len(s.Claims)
		}
	}
	if n < 10 {
		t.Errorf("%d claim markers in the exercises; the prose's numbers and orders want more than 10", n)
	}
}

func readSteps(t *testing.T, f string) []workshop.Step {
	t.Helper()
	src, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	steps, err := workshop.ParseSteps(string(src))
	if err != nil {
		t.Fatalf("%s: %v", f, err)
	}
	return steps
}

var (
	// agendaRow is a row of README.md's agenda: | 0:05–0:20 | what | exercise |.
	agendaRow = regexp.MustCompile(`^\| ([0-9]:[0-9]{2})–([0-9]:[0-9]{2}) \|[^|]*\| (.*) \|$`)
	// rowExercise is the exercise a row links to.
	rowExercise = regexp.MustCompile(`\[[0-9]{2}-[a-z0-9-]+\]\(([0-9]{2}-[a-z0-9-]+\.md)\)`)
	// exerciseTime is an exercise's time line: **15 minutes** (agenda 0:05–0:20). If you are behind: …
	exerciseTime = regexp.MustCompile(`(?m)^\*\*([0-9]+) minutes\*\* \(agenda ([0-9]:[0-9]{2})–([0-9]:[0-9]{2})\)[^\n]*(?:\n[^\n]+)*`)
)

// minutes reads h:mm.
func minutes(t *testing.T, hm string) int {
	t.Helper()
	h, m, _ := strings.Cut(hm, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil {
		t.Fatalf("%q: want h:mm", hm)
	}
	return 60*hh + mm
}

// The README's agenda and the exercises' headers agree: each exercise in the
// agenda says its slot and its minutes, which fit the slot, and what to do
// if you are behind; the slots follow each other from 0:00 to the length
// the agenda's title gives.
func TestAgenda(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	title := regexp.MustCompile(`(?m)^## Agenda \(([0-9]+) minutes\)$`).FindStringSubmatch(string(readme))
	if title == nil {
		t.Fatal("README.md has no \"## Agenda (N minutes)\" heading")
	}
	end, inSlots := 0, 0
	for _, l := range strings.Split(string(readme[strings.Index(string(readme), title[0]):]), "\n") {
		m := agendaRow.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		from, to := minutes(t, m[1]), minutes(t, m[2])
		if from != end {
			t.Errorf("README agenda: %s starts at %s, want it to start where the slot before ended (%d:%02d)", m[0], m[1], end/60, end%60)
		}
		end = to
		ex := rowExercise.FindStringSubmatch(m[3])
		if ex == nil {
			continue
		}
		inSlots += to - from
		if err := checkHeader(ex[1], m[1], m[2], to-from); err != nil {
			t.Error(err)
		}
		if behind := fmt.Sprintf("- **%s** (%s–%s): ", ex[1][:2], m[1], m[2]); !strings.Contains(string(readme), behind) {
			t.Errorf("README.md: no line for a room behind in %s's slot (%q)", ex[1], behind)
		}
	}
	if want, _ := strconv.Atoi(title[1]); end != want {
		t.Errorf("README agenda: the slots end at %d:%02d, and the title says %s minutes", end/60, end%60, title[1])
	}
	t.Logf("agenda: %d minutes, %d of them in exercises", end, inSlots)
}

// checkHeader says whether exercise f's time line matches its agenda slot.
func checkHeader(f, from, to string, slot int) error {
	src, err := os.ReadFile(f)
	if err != nil {
		return err
	}
	m := exerciseTime.FindStringSubmatch(string(src))
	if m == nil {
		return fmt.Errorf("%s: no time line (\"**N minutes** (agenda %s–%s). If you are behind: …\") under its goal", f, from, to)
	}
	if n, _ := strconv.Atoi(m[1]); n != slot || m[2] != from || m[3] != to {
		return fmt.Errorf("%s says %q; the README's agenda gives it %s–%s, %d minutes", f, strings.SplitN(m[0], ".", 2)[0], from, to, slot)
	}
	if !strings.Contains(m[0], "If you are behind:") {
		return fmt.Errorf("%s: its time line says nothing for a room that is behind (\"If you are behind: …\")", f)
	}
	return nil
}
