package workshop

import (
	"fmt"
	"strings"
)

// symptoms maps what a failing step prints to what to do about it: the
// trouble rooms meet (docs/troubleshooting.md has the longer story). The
// first symptom found in the output wins.
var symptoms = []struct{ says, hint string }{
	{"REPO: is not set", "REPO is not set in this shell: cd into your clone, export REPO=$PWD, then run the step again"},
	{"stat /labs/cmd/", `REPO is empty in this shell, so "$REPO/labs/..." became "/labs/...": cd into your clone, export REPO=$PWD, then run the step again`},
	{"stat /tools/cmd/", `REPO is empty in this shell, so "$REPO/tools/..." became "/tools/...": cd into your clone, export REPO=$PWD, then run the step again`},
	{"stat /runonce/cmd/", `REPO is empty in this shell, so "$REPO/runonce/..." became "/runonce/...": cd into your clone, export REPO=$PWD, then run the step again`},
	{"stat /ci-preemptible/cmd/", `REPO is empty in this shell, so "$REPO/ci-preemptible/..." became "/ci-preemptible/...": cd into your clone, export REPO=$PWD, then run the step again`},
	{"cmd/pgtemp: directory not found", "REPO does not name your clone: cd into your clone, export REPO=$PWD, then run the step again"},
	{"cmd/lab: directory not found", "REPO does not name your clone: cd into your clone, export REPO=$PWD, then run the step again"},
	{"directory not found", "a path in the step names no folder: check that REPO is your clone (echo $REPO; cd into the clone and export REPO=$PWD)"},
	{"is not your clone: cd into your clone", "REPO does not name your clone: cd into your clone, export REPO=$PWD, then run step 0 again"},
	{"is not a clone of github.com/bloglabs/posts", "REPO names a folder that is not your clone: cd into your clone, export REPO=$PWD"},
	{"go.mod file not found", "you are outside the clone: work in a folder inside it (out/workshop/NN), where the go command finds the module"},
	{"dsn.txt: No such file", "dsn.txt is not in this folder: cd into the exercise's folder, or run its pgtemp step (it writes dsn.txt) again"},
	{"pgtemp.pid: No such file", "pgtemp.pid is not in this folder: cd into the exercise's folder; go tool mage workshop:reset stops a pgtemp you lost"},
	{"connection refused", "the throwaway PostgreSQL is not running (stopped, or started in another folder): run the pgtemp step again"},
	{"psql: command not found", "psql is missing: install PostgreSQL's client (apt-get install -y postgresql-client; brew install libpq), then go tool mage doctor"},
	{"initdb", "PostgreSQL's server binaries are missing or refused to start: go tool mage doctor says what to install"},
	{"address already in use", "a server from an earlier try still runs: go tool mage workshop:reset stops it"},
	{"no race this time", "the race did not show on this machine: widen the window with --backfill 3s or --replicas 8 (facilitator.md, Fallbacks)"},
}

// hint says what to do about the report's first problem, from what the
// step printed (or, for a terminal's text, from all of it).
func (r Report) hint(text string) string {
	i, bad := r.firstProblem()
	if !bad {
		return ""
	}
	v := r.Steps[i]
	out := v.Output
	if out == "" {
		out = text
	}
	catchUp := fmt.Sprintf("to catch up, go tool mage workshop:run %s runs every step of the exercise for you", r.Exercise.Number)
	if out != "" { // a run's step that never ran has no output; a terminal's text may still say why
		for _, s := range symptoms {
			if strings.Contains(out, s.says) {
				return s.hint + "; " + catchUp
			}
		}
	}
	where := fmt.Sprintf("%s.md line %d", r.Exercise.Name, v.Step.Line)
	switch v.State {
	case NotRun:
		return fmt.Sprintf("the run stopped before step %d: run the steps from %s on; %s", i+1, where, catchUp)
	case Failed:
		return fmt.Sprintf("step %d (%s) %s: read its last lines of output, fix what they name, run it again; %s", i+1, where, v.Note, catchUp)
	}
	if i > 0 && r.Steps[i-1].State == Shown || v.State == Incomplete && len(v.Missing) < len(v.Step.Checkpoint) {
		return fmt.Sprintf("step %d (%s) printed something else: compare your output with the checkpoint under it (… stands for anything); %s", i+1, where, catchUp)
	}
	return fmt.Sprintf("nothing of step %d (%s) shows yet: paste it (and the steps after it) in the exercise's folder; %s", i+1, where, catchUp)
}
