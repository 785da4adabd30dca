package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/svgcheck"
)

// svgFiles are the SVGs committed under docs/.
func svgFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".svg") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestSVGs checks every committed chart and diagram: well-formed, rendered
// by GitHub, with a title, and showing each label its <desc> claims.
func TestSVGs(t *testing.T) {
	t.Parallel()
	files := svgFiles(t)
	if len(files) < 3 {
		t.Errorf("%d SVGs under docs/, want at least the three diagrams: %v", len(files), files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		info, err := svgcheck.Check(b)
		if err != nil {
			t.Errorf("docs/%s:\n%v", f, err)
			continue
		}
		t.Logf("docs/%s: %q, %d labels claimed and found", f, info.Title, len(info.Shows))
	}
}

var (
	// Markdown images and links: ![alt](path) and [text](path).
	mdLink = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)\)`)
	// Paths outside the repository this workplace has and readers do not.
	outside = regexp.MustCompile(`\.\./shared/|\.\./\.\./shared/`)
)

// TestPagesStandAlone checks that every page's relative links and pictures
// resolve inside the repository, and that none points at files that are
// not in it.
func TestPagesStandAlone(t *testing.T) {
	t.Parallel()
	pages := append([]string{filepath.Join("..", "README.md")}, markdownPages(t)...)
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if m := outside.FindString(string(b)); m != "" {
			t.Errorf("%s refers to %s…, which is not in the repository: move what readers need into docs/", p, m)
		}
		for _, m := range mdLink.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			target, _, _ = strings.Cut(target, "#")
			if _, err := os.Stat(filepath.Join(filepath.Dir(p), target)); err != nil {
				t.Errorf("%s links to %s, which does not exist", p, m[1])
			}
		}
	}
}

// mageTarget matches a target in magefile.go: a method of a namespace type
// ("func (Lab) Race(") or a top-level function ("func Lint(").
var mageTarget = regexp.MustCompile(`(?m)^func (?:\((\w+)\) )?([A-Z]\w*)\(`)

// TestEveryMageTargetDocumented checks that each target of magefile.go is
// named in README.md or a page under docs/ (as mage spells it:
// lab:preemptibleKind), so that `go tool mage -l` never lists a target no
// page explains.
func TestEveryMageTargetDocumented(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("..", "magefile.go"))
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, p := range append([]string{filepath.Join("..", "README.md")}, markdownPages(t)...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	targets := mageTarget.FindAllStringSubmatch(string(src), -1)
	if len(targets) < 10 {
		t.Fatalf("found %d targets in magefile.go: the pattern no longer matches it", len(targets))
	}
	for _, m := range targets {
		name := lowerFirst(m[2])
		if m[1] != "" {
			name = lowerFirst(m[1]) + ":" + name
		}
		if !strings.Contains(all.String(), name) {
			t.Errorf("mage target %s is in no page: add it to docs/targets.md with what it prints", name)
		}
	}
}

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }

func markdownPages(t *testing.T) []string {
	t.Helper()
	var pages []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			pages = append(pages, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return pages
}
