package workshop

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Exercise is one exercise file of the kit: NN-name.md.
type Exercise struct {
	// Number is the file's two digits, "04"; Name is the file's name
	// without .md, "04-takeover".
	Number, Name string
	// File is the path of the Markdown file.
	File string
}

// exerciseFile is an exercise's name: two digits, a dash, a name.
var exerciseFile = regexp.MustCompile(`^([0-9]{2})-[a-z0-9-]+\.md$`)

// Exercises lists the exercises in dir (docs/workshop), in order.
func Exercises(dir string) ([]Exercise, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("the workshop's folder: %w", err)
	}
	var out []Exercise
	for _, e := range entries {
		if m := exerciseFile.FindStringSubmatch(e.Name()); m != nil {
			out = append(out, Exercise{Number: m[1], Name: strings.TrimSuffix(e.Name(), ".md"), File: filepath.Join(dir, e.Name())})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// FindExercise returns the exercise of dir that which names: its number
// ("04" or "4") or its name ("04-takeover").
func FindExercise(dir, which string) (Exercise, error) {
	all, err := Exercises(dir)
	if err != nil {
		return Exercise{}, err
	}
	want := strings.TrimSuffix(which, ".md")
	if len(want) == 1 && want >= "0" && want <= "9" {
		want = "0" + want
	}
	var names []string
	for _, e := range all {
		if e.Number == want || e.Name == want {
			return e, nil
		}
		names = append(names, e.Number)
	}
	return Exercise{}, fmt.Errorf("no exercise %q: give its number, one of %s", which, strings.Join(names, " "))
}

// Steps reads and parses the exercise's file.
func (e Exercise) Steps() ([]Step, error) {
	src, err := os.ReadFile(e.File)
	if err != nil {
		return nil, fmt.Errorf("exercise %s: %w", e.Name, err)
	}
	steps, err := ParseSteps(string(src))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(e.File), err)
	}
	return steps, nil
}
