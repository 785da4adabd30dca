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
	pages := []string{filepath.Join("..", "README.md")}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			pages = append(pages, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
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
