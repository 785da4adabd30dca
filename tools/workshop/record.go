package workshop

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// RecordFile is the name of the record [RunExercise] keeps in the
// exercise's folder, and LogFile that of the text it printed.
const (
	RecordFile = "workshop-run.json"
	LogFile    = "workshop-run.log"
)

// Record is what a run of an exercise's steps did, step by step: what
// check reads.
type Record struct {
	Exercise string    `json:"exercise"`
	Started  time.Time `json:"started"`
	Steps    []StepRun `json:"steps"`
}

// StepRun is one step of a Record.
type StepRun struct {
	// Line is the step's fence line in the exercise's file.
	Line   int    `json:"line"`
	Exit   int    `json:"exit"`
	Output string `json:"output"`
	// Skipped says why the step did not run (needs=kind on a machine
	// without kind); Error why it did not finish (a timeout).
	Skipped string `json:"skipped,omitempty"`
	Error   string `json:"error,omitempty"`
	// Group is the step's process group, for reset.
	Group int `json:"group,omitempty"`
}

func writeRecord(dir string, r Record) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, RecordFile), b, 0o644); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}

// ReadRecord reads the record of the last run in dir.
func ReadRecord(dir string) (Record, error) {
	var r Record
	b, err := os.ReadFile(filepath.Join(dir, RecordFile))
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("%s: %w (delete it and run the exercise again)", filepath.Join(dir, RecordFile), err)
	}
	return r, nil
}
