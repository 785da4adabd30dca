package workshop

import (
	"fmt"
	"regexp"
	"strings"
)

// pasteRule is one thing a ```sh step must not do, because attendees paste
// it into an interactive shell on Linux or macOS (bash or zsh, BSD tools).
type pasteRule struct {
	re  *regexp.Regexp
	why string
	// step0 is true for a rule step 0 may break (it enters the folder).
	step0 bool
}

// pasteRules are the rules every step is held to. Each names the fix.
var pasteRules = []pasteRule{
	{re: regexp.MustCompile(`(^|[;&|{(]|\bthen|\belse|\bdo)\s*exit\b`),
		why: "`exit` closes the attendee's terminal when pasted: end the failing branch with `false` (the step fails, the shell stays)"},
	{re: regexp.MustCompile(`(^|[;&|{(]|\bthen|\belse|\bdo)\s*(while|until)\b`),
		why: "an unbounded loop spins silently when its condition never comes: loop `for i in $(seq N)` with a `break`, then say what to do if it never came"},
	{re: regexp.MustCompile(`(^|[;&|{(]|\bthen|\belse|\bdo)\s*wait\b`),
		why: "`wait` blocks until a background job ends, with no bound: poll for its file or log line in a bounded `for` loop"},
	{re: regexp.MustCompile(`(^|[;&|{(]|\bthen|\belse|\bdo)\s*read\b`),
		why: "`read` waits for the keyboard: a pasted block would swallow the next line"},
	{re: regexp.MustCompile(`\btail\s+(-[a-zA-Z0-9]*\s+)*-[a-zA-Z0-9]*[fF]`),
		why: "`tail -f` never ends: print the file, or poll it in a bounded loop"},
	{re: regexp.MustCompile(`\bsleep\s+(infinity|[0-9]{3,}|[7-9][0-9]|6[1-9])\b`),
		why: "a sleep over 60 s stalls the room: poll for what you wait for in a bounded loop"},
	{re: regexp.MustCompile(`\bsed\s+([^|;&]*\s)?-[a-zA-Z]*i`),
		why: "`sed -i` differs between GNU and BSD sed (macOS wants `-i ''`): write to a new file with `>`"},
	{re: regexp.MustCompile(`\bsed\s+([^|;&]*\s)?-[a-zA-Z]*r\b`),
		why: "`sed -r` is GNU-only: use `sed -E`"},
	{re: regexp.MustCompile(`\bsed\b.*[/0-9$]\s*[aic]\\\s*\S`),
		why: "`sed '/re/a\\ text'` on one line is GNU-only (BSD sed wants the text on the next line, and strips its indentation): put the text in a file and use `sed '/re/r FILE'`"},
	{re: regexp.MustCompile(`\bsed\b.*\\n`),
		why: "`\\n` in a sed script is a GNU extension: use `sed '/re/r FILE'` or awk"},
	{re: regexp.MustCompile(`\bgrep\s+([^|;&]*\s)?-[a-zA-Z]*P`),
		why: "`grep -P` is GNU-only (macOS grep has no Perl regexps): use `grep -E`"},
	{re: regexp.MustCompile(`\breadlink\s+-f\b|\bstat\s+-c\b|\bxargs\s+-r\b|\bbase64\s+-w\b|\bdate\b.*%N`),
		why: "a GNU-only option (readlink -f, stat -c, xargs -r, base64 -w, date %N): macOS's BSD tools lack it"},
	{re: regexp.MustCompile(`(^|[;&|{(]|\bthen|\belse|\bdo)\s*timeout\s`),
		why: "`timeout` is GNU coreutils, missing on macOS: bound the wait with a `for` loop, or the tool's own --timeout flag"},
	{re: regexp.MustCompile(`\becho\s+-e\b`),
		why: "`echo -e` prints `-e` in some shells: use printf"},
	{re: regexp.MustCompile(`(^|[;&|{(]|\bthen|\belse|\bdo)\s*cd\s`),
		why:   "`cd` moves the attendee's shell for every later step: only step 0 enters the exercise's folder",
		step0: true},
}

// PasteProblems returns what in step s breaks the rules for a block that
// attendees paste into an interactive shell: no `exit` (it closes their
// terminal), every wait and loop bounded, POSIX and BSD tools only (no
// GNU-only options), no `cd` (step 0 enters the folder; see [EnterScript]).
// Each problem names the line and the fix.
func PasteProblems(s Step) []string {
	var out []string
	// A backslash-newline continues the line: check the command whole.
	script := strings.ReplaceAll(s.Script, "\\\n", " ")
	for i, l := range strings.Split(script, "\n") {
		code := shellCode(l)
		for _, r := range pasteRules {
			if r.step0 && s.ID == EnterID {
				continue
			}
			if r.re.MatchString(code) {
				out = append(out, fmt.Sprintf("line %d of the step at line %d: %q: %s", i+1, s.Line, strings.TrimSpace(l), r.why))
			}
		}
	}
	return out
}

// shellCode drops a trailing comment (# after a blank) and the text of
// echo/printf messages, whose words are not commands.
func shellCode(l string) string {
	if i := strings.Index(l, " #"); i >= 0 && !strings.Contains(l[:i], "'") {
		l = l[:i]
	}
	return echoText.ReplaceAllString(l, "echo")
}

var echoText = regexp.MustCompile(`\becho\s+"[^"]*"`)

// EnterDir is the folder an attendee works in for the exercise whose file
// is stem.md ("04-takeover"), relative to the clone: out/workshop/NN, the
// folder the room tools (check, run, reset) use. out/ is ignored by git,
// and the labs find their sources by walking up from it.
func EnterDir(stem string) string {
	nn, _, _ := strings.Cut(stem, "-")
	return "out/workshop/" + nn
}

// EnterScript is step 0 of the exercise stem.md: it checks that REPO names
// the clone and enters a fresh [EnterDir], as one compound command, so that
// when pasted with REPO wrong nothing after the check runs (and the shell
// stays open).
func EnterScript(stem string) string {
	dir := `"$REPO/` + EnterDir(stem) + `"`
	return `if [ -n "${REPO:-}" ] && grep -qx 'module github.com/bloglabs/posts' "$REPO/go.mod" 2>/dev/null; then
  rm -rf ` + dir + ` && mkdir -p ` + dir + ` &&
    cd ` + dir + ` && echo "REPO is your clone; working in ` + EnterDir(stem) + `"
else
  echo "REPO=${REPO:-(unset)} is not your clone: cd into your clone of github.com/bloglabs/posts, then export REPO=\$PWD" >&2; false
fi
`
}

// EnterID is the id of every exercise's step 0.
const EnterID = "enter"

// CheckEnter says whether an exercise's first step is its step 0:
// [EnterScript] for its file's stem, with id=enter.
func CheckEnter(stem string, steps []Step) error {
	if len(steps) == 0 {
		return fmt.Errorf("%s has no ```sh step", stem)
	}
	s := steps[0]
	if s.ID != EnterID || s.Script != EnterScript(stem) {
		return fmt.Errorf("%s: the first step (line %d) must be step 0, fenced ```sh id=%s, exactly:\n%s", stem, s.Line, EnterID, EnterScript(stem))
	}
	return nil
}
