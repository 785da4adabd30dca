package workshop

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSteps(t *testing.T) {
	t.Parallel()
	src := strings.Join([]string{
		"# An exercise",
		"",
		"```sh",
		"echo one",
		"```",
		"",
		"```text",
		"one",
		"",
		"  indented line  ",
		"```",
		"Some prose.",
		"```sh exit=3 needs=docker timeout=90s",
		"exit 3",
		"```",
		"Prose between: this is not a checkpoint.",
		"```text",
		"ignored",
		"```",
		"```console",
		"$ not a step",
		"```",
		"```sh",
		"true",
		"```",
	}, "\n")
	got, err := ParseSteps(src)
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Line: 3, Script: "echo one\n", Timeout: DefaultStepTimeout, Checkpoint: []string{"one", "  indented line  "}},
		{Line: 13, Script: "exit 3\n", Exit: 3, Needs: "docker", Timeout: 90 * time.Second},
		{Line: 23, Script: "true\n", Timeout: DefaultStepTimeout},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseSteps:\n got %+v\nwant %+v", got, want)
	}
}

func TestParseStepsErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ src, want string }{
		{"```sh\necho\n", "line 1: the fenced block ```sh is never closed"},
		{"```sh exit=x\n```", "exit=x: want a status 0-255"},
		{"```sh exit=300\n```", "exit=300: want a status 0-255"},
		{"```sh needs=podman\n```", "needs=podman: want docker or kind"},
		{"```sh timeout=soon\n```", "timeout=soon: want a duration"},
		{"```sh retries=2\n```", `fence attribute "retries": unknown`},
		{"```sh exit\n```", `fence attribute "exit": want key=value`},
	} {
		_, err := ParseSteps(tc.src)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSteps(%q): got %v, want an error containing %q", tc.src, err, tc.want)
		}
	}
}

func TestMissing(t *testing.T) {
	t.Parallel()
	output := "lab:race — 3 replicas\n" +
		"  no lock               yes  30        4\n" +
		"\x1b[32mverdict:\x1b[0m race reproduced — 3 of 3 replicas ran the one-time step (3 runs in all)\n"
	for _, tc := range []struct {
		name       string
		checkpoint []string
		want       []string
	}{
		{"substring", []string{"lab:race"}, nil},
		{"blank runs are one space", []string{"no lock yes 30 4"}, nil},
		{"indentation ignored", []string{"    no lock   yes"}, nil},
		{"colour codes ignored", []string{"verdict: race reproduced"}, nil},
		{"ellipsis within a line", []string{"verdict: race reproduced — … replicas ran the one-time step"}, nil},
		{"ellipsis keeps the order", []string{"one-time step … verdict:"}, []string{"one-time step … verdict:"}},
		{"ellipsis does not span lines", []string{"lab:race … no lock"}, []string{"lab:race … no lock"}},
		{"absent", []string{"verdict: fixed", "lab:race"}, []string{"verdict: fixed"}},
	} {
		if got := Missing(output, tc.checkpoint); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Missing(%q) = %q, want %q", tc.name, tc.checkpoint, got, tc.want)
		}
	}
}
