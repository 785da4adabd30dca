package workshop

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPasteProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, script string
		want         string // "" when the step is fine
	}{
		{"exit closes the shell", "if grep -q x f; then echo wrong; exit 1; fi\n", "`exit` closes"},
		{"exit at the start", "exit 3\n", "`exit` closes"},
		{"false keeps the shell", "if grep -q x f; then echo \"wrong: exit\"; false; fi\n", ""},
		{"unbounded until", "until psql -Atc 'SELECT 1' | grep -q 1; do sleep 0.5; done\n", "unbounded loop"},
		{"unbounded while", "while true; do sleep 1; done\n", "unbounded loop"},
		{"bounded for", "for i in $(seq 50); do [ -s dsn.txt ] && break; sleep 0.2; done\n", ""},
		{"wait on a job", "bin/pgtemp > dsn.txt &\nwait\n", "`wait` blocks"},
		{"tail -f", "tail -f demo-0.log\n", "`tail -f` never ends"},
		{"a long sleep", "sleep 300\n", "sleep over 60 s"},
		{"GNU sed append", `sed -e '/"true"/a\          [runners.kubernetes.node_tolerations]' in.yaml > out.yaml` + "\n", "GNU-only"},
		{"GNU sed append, continued", "sed -e 's/a/b/' \\\n    -e '/x/a\\  y' in > out\n", "GNU-only"},
		{"GNU sed newline", `sed 's/a/b\nc/' in > out` + "\n", "GNU extension"},
		{"sed -i", "sed -i 's/a/b/' f\n", "`sed -i`"},
		{"sed -r", "sed -r 's/a+/b/' f\n", "`sed -r`"},
		{"POSIX sed r", "sed -e 's#\\.\\./deploy/##' -e '/\"true\"/r toleration.toml' in.yaml > mine.yaml\n", ""},
		{"grep -P", "grep -oP '\\d+' f\n", "`grep -P`"},
		{"timeout", "timeout 5 psql -c 'SELECT 1'\n", "`timeout` is GNU"},
		{"cd outside step 0", "cd ..\n", "`cd` moves"},
		{"words in a message", "echo \"read the log, then wait\"\n", ""},
		{"a comment", "kill -9 \"$(cat alice.pid)\"   # no exit handler runs\n", ""},
	} {
		got := PasteProblems(Step{Line: 7, Script: tc.script})
		switch {
		case tc.want == "" && len(got) > 0:
			t.Errorf("%s: PasteProblems(%q) = %q, want none", tc.name, tc.script, got)
		case tc.want != "" && (len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), tc.want)):
			t.Errorf("%s: PasteProblems(%q) = %q, want one saying %q", tc.name, tc.script, got, tc.want)
		}
	}
}

func TestEnterScriptKeepsItsRule(t *testing.T) {
	t.Parallel()
	s := Step{Line: 1, ID: EnterID, Script: EnterScript("04-takeover")}
	if got := PasteProblems(s); len(got) > 0 {
		t.Errorf("step 0 breaks the paste rules: %q", got)
	}
	if err := CheckEnter("04-takeover", []Step{s}); err != nil {
		t.Error(err)
	}
	if err := CheckEnter("05-failing-step", []Step{s}); err == nil {
		t.Error("CheckEnter accepted 04's step 0 as 05's")
	}
	s.ID = ""
	if err := CheckEnter("04-takeover", []Step{s}); err == nil {
		t.Error("CheckEnter accepted a step 0 without id=enter")
	}
}

// Step 0 run as an attendee's shell would: with REPO unset or wrong it
// fails with advice and creates nothing; with REPO at a clone it enters a
// fresh folder under it.
func TestEnterScript(t *testing.T) {
	needBash(t)
	clone := t.TempDir()
	if err := os.WriteFile(filepath.Join(clone, "go.mod"), []byte("module github.com/bloglabs/posts\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(clone, "out", "workshop", "04", "dsn.txt")
	if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stale, []byte("from an earlier try"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := EnterScript("04-takeover") + "pwd\nls -A\n"
	for _, tc := range []struct {
		name, repo string
		ok         bool
		want       string
	}{
		{"unset", "", false, "REPO=(unset) is not your clone: cd into your clone of github.com/bloglabs/posts, then export REPO=$PWD"},
		{"not a clone", t.TempDir(), false, "is not your clone"},
		{"the clone", clone, true, "REPO is your clone; working in out/workshop/04\n" + filepath.Join(clone, "out", "workshop", "04") + "\n"},
	} {
		cmd := exec.Command("bash", "--noprofile", "--norc", "-e", "-c", script)
		cmd.Dir = t.TempDir()
		cmd.Env = append(withoutVar(os.Environ(), "REPO"), "REPO="+tc.repo)
		out, err := cmd.CombinedOutput()
		if (err == nil) != tc.ok || !strings.Contains(string(out), tc.want) {
			t.Errorf("%s: %v, output %q; want ok=%v and %q", tc.name, err, out, tc.ok, tc.want)
		}
		if tc.ok && strings.Contains(string(out), "dsn.txt") {
			t.Errorf("%s: step 0 kept an earlier try's dsn.txt: %q", tc.name, out)
		}
	}
}
