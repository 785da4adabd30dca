package workshop

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// stepHeader starts a step's section in a transcript.
var stepHeader = regexp.MustCompile(`(?m)^── [0-9a-z-]+, step ([0-9]+) of ([0-9]+) \(`)

// transcriptSteps splits a transcript into its steps' sections.
func transcriptSteps(text string) []string {
	idx := stepHeader.FindAllStringIndex(text, -1)
	var out []string
	for i, m := range idx {
		end := len(text)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		out = append(out, text[m[0]:end])
	}
	return out
}

// Every exercise has a transcript (docs/workshop/transcripts/NN.txt), made
// from a run of its current steps: one section per step, echoing the step's
// script, holding its checkpoint (unless the step was skipped), naming no
// machine's paths. A step added, removed or changed in an exercise fails
// this until go tool mage workshop:transcripts has run again.
func TestTranscripts(t *testing.T) {
	t.Parallel()
	exs, err := Exercises(kit(t))
	if err != nil || len(exs) < 7 {
		t.Fatalf("Exercises: %v, %d", err, len(exs))
	}
	machine := regexp.MustCompile(`/(root|home|Users|tmp|var/folders|work)/`)
	for _, ex := range exs {
		b, err := os.ReadFile(filepath.Join(kit(t), "transcripts", TranscriptFile(ex)))
		if err != nil {
			t.Errorf("%s has no transcript (go tool mage workshop:transcripts writes it): %v", ex.Name, err)
			continue
		}
		steps, err := ex.Steps()
		if err != nil {
			t.Fatal(err)
		}
		sections := transcriptSteps(string(b))
		if len(sections) != len(steps) {
			t.Errorf("transcripts/%s has %d steps, %s has %d: run go tool mage workshop:transcripts", TranscriptFile(ex), len(sections), ex.Name, len(steps))
			continue
		}
		for i, s := range steps {
			sec := sections[i]
			if !strings.Contains(sec, echoScript(s.Script)) {
				t.Errorf("transcripts/%s step %d is of another script than %s.md line %d: run go tool mage workshop:transcripts", TranscriptFile(ex), i+1, ex.Name, s.Line)
			}
			if strings.Contains(sec, "\n– skipped: ") {
				continue
			}
			if miss := Missing(sec, s.Checkpoint); len(miss) > 0 {
				t.Errorf("transcripts/%s step %d lacks checkpoint lines %q", TranscriptFile(ex), i+1, miss)
			}
		}
		if m := machine.FindString(string(b)); m != "" {
			t.Errorf("transcripts/%s names a machine's folder %s", TranscriptFile(ex), m)
		}
	}
}

func TestScrub(t *testing.T) {
	t.Parallel()
	home, _ := os.UserHomeDir()
	host, _ := os.Hostname()
	in := "/r/x/out/workshop/04 " + home + "/.cache/b " + os.TempDir() + "/pgtemp-1 pod=" + host + " " + host + "x"
	want := "$REPO/out/workshop/04 $HOME/.cache/b $TMPDIR/pgtemp-1 pod=HOST " + host + "x"
	if got := scrub(in, "/r/x"); got != want {
		t.Errorf("scrub:\n got %q\nwant %q", got, want)
	}
}

// The room tools build from the standard library and this module alone, so
// that go run ./tools/cmd/workshop works on a laptop that is offline and
// whose module cache lacks what other commands need.
func TestRoomToolsNeedNoModule(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", "../cmd/workshop").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if !strings.HasPrefix(p, "github.com/bloglabs/posts/") {
			t.Errorf("tools/cmd/workshop depends on %s, a module a room may not have offline", p)
		}
	}
}
