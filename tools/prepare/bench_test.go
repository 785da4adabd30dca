package prepare

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/tools/doctor"
)

// BenchmarkScopeFetch measures what each scope downloads into an empty
// module cache: MiB of module zips, the number of modules, and MiB in the
// cache (zips and their sources). The modules come from this machine's
// cache through a file:// proxy, so the network is out of the figure for
// every module the cache holds; the others (go mod download, which the all
// scope runs, wants modules no package here imports) come from GOPROXY:
//
//	go test -run '^$' -bench ScopeFetch -benchtime 1x ./tools/prepare
func BenchmarkScopeFetch(b *testing.B) {
	root, err := repo.Root()
	if err != nil {
		b.Fatal(err)
	}
	for _, scope := range doctor.Scopes() {
		b.Run("scope="+string(scope), func(b *testing.B) {
			proxy := localProxy(b) + "," + goEnv(b, "GOPROXY")
			for b.Loop() {
				cache, err := os.MkdirTemp("", "prepare-bench-")
				if err != nil {
					b.Fatal(err)
				}
				b.Setenv("GOPROXY", proxy)
				b.Setenv("GOMODCACHE", cache)
				b.Setenv("GOFLAGS", "-modcacherw")
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
				var log bytes.Buffer
				err = fetchModules(ctx, &progress{w: &log}, root, scope)
				cancel()
				if err != nil {
					b.Fatalf("fetch: %v\n%s", err, log.String())
				}
				zips, n := zipStats(b, cache)
				b.ReportMetric(float64(zips)/(1<<20), "MiB-zips")
				b.ReportMetric(float64(n), "modules")
				b.ReportMetric(float64(dirBytes(b, cache))/(1<<20), "MiB-cache")
				os.RemoveAll(cache)
			}
		})
	}
}

func dirBytes(tb testing.TB, dir string) int64 {
	tb.Helper()
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
