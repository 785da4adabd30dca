package firstlab

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bloglabs/posts/internal/repo"
)

// BenchmarkFirstLabRace is the figure the README quotes: this repository's
// committed HEAD, cloned fresh, its first `go tool mage lab:race` from empty
// caches with modules from this machine's module cache. Minutes; compare
// revisions with `go run ./labs/cmd/firstlab --before REV`.
func BenchmarkFirstLabRace(b *testing.B) {
	root, err := repo.Root()
	if err != nil {
		b.Fatal(err)
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		b.Fatal(err)
	}
	proxy := filepath.Join(strings.TrimSpace(string(out)), "cache", "download")
	for b.Loop() {
		res, err := Measure(context.Background(), Options{Repo: root, Proxy: proxy})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(res.MiB(), "MiB-fetched")
		b.ReportMetric(float64(res.Modules), "modules")
		b.ReportMetric(float64(res.Packages), "packages")
		b.ReportMetric(res.Seconds, "s-to-verdict")
	}
}
