package workshop

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// TranscriptFile is the name of exercise ex's transcript in the kit's
// transcripts folder: NN.txt.
func TranscriptFile(ex Exercise) string { return ex.Number + ".txt" }

// WriteTranscripts runs every exercise of the kit in root, one after the
// other, each in a fresh folder under out/workshop, and writes what each
// printed — every step's script, its output and its verdict — to outDir/
// NN.txt: the expected output in full, for an attendee whose laptop fails.
// It writes nothing for an exercise whose run was off, and says so.
// Machine details (the clone's path, the home and temp folders, the host's
// name) are replaced by $REPO, $HOME, $TMPDIR and HOST.
func WriteTranscripts(ctx context.Context, root, outDir string, progress io.Writer) error {
	exs, err := Exercises(filepath.Join(root, "docs", "workshop"))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("transcripts: %w", err)
	}
	var failed []string
	for _, ex := range exs {
		dir := filepath.Join(RoomDir(root), "transcript-"+ex.Number)
		if err := Reset(ctx, dir, io.Discard); err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("transcripts: %w", err)
		}
		t0 := time.Now()
		_, runErr := RunExercise(ctx, root, ex, dir, io.Discard)
		log, err := os.ReadFile(filepath.Join(dir, LogFile))
		if err != nil {
			return fmt.Errorf("transcripts: %w", err)
		}
		if runErr != nil {
			fmt.Fprintf(progress, "%s: %v — transcript not written; the run is in %s\n", ex.Name, runErr, dir)
			failed = append(failed, ex.Name)
			continue
		}
		text := fmt.Sprintf("# %s: the full output of a real run of every step (go tool mage workshop:transcripts, %s)\n\n%s",
			ex.Name, time.Now().UTC().Format("2006-01-02"), scrub(string(log), root))
		if err := os.WriteFile(filepath.Join(outDir, TranscriptFile(ex)), []byte(text), 0o644); err != nil {
			return fmt.Errorf("transcripts: %w", err)
		}
		fmt.Fprintf(progress, "%s: %s (%.0fs)\n", ex.Name, filepath.Join(outDir, TranscriptFile(ex)), time.Since(t0).Seconds())
		_ = Reset(ctx, dir, io.Discard)
	}
	if len(failed) > 0 {
		return fmt.Errorf("transcripts: %s did not run clean: %w", strings.Join(failed, ", "), ErrStepFailed)
	}
	return nil
}

// scrub replaces what names this machine in a run's text.
func scrub(text, root string) string {
	pairs := []string{root, "$REPO"}
	if home, err := os.UserHomeDir(); err == nil && len(home) > 1 {
		pairs = append(pairs, strings.TrimSuffix(home, "/")+"/", "$HOME/")
	}
	for _, tmp := range []string{os.TempDir(), "/tmp"} {
		pairs = append(pairs, strings.TrimSuffix(tmp, "/")+"/", "$TMPDIR/")
	}
	text = strings.NewReplacer(pairs...).Replace(text)
	if h, err := os.Hostname(); err == nil && h != "" {
		text = regexp.MustCompile(`\b`+regexp.QuoteMeta(h)+`\b`).ReplaceAllString(text, "HOST")
	}
	return text
}
