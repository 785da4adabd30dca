package prepare

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/tools/doctor"
)

// before is a revision whose scopes BenchmarkScopeFetch measures too, in
// the same run: go test ... ./tools/prepare -args -before main.
var before = flag.String("before", "", "a revision of this repository to measure too, side by side (the scopes as this tree defines them, applied to its tree)")

// BenchmarkScopeFetch measures what each scope downloads into an empty
// module cache: MiB of module zips, the number of modules, and MiB in the
// cache (zips and their sources). The modules come from this machine's
// cache through a file:// proxy, so the network is out of the figure for
// every module the cache holds; the others (go mod download, which the all
// scope runs, wants modules no package here imports) come from GOPROXY.
// With -before REV it measures REV's tree too (a clone), before this one:
//
//	go test -run '^$' -bench ScopeFetch -benchtime 1x ./tools/prepare -args -before main
func BenchmarkScopeFetch(b *testing.B) {
	root, err := repo.Root()
	if err != nil {
		b.Fatal(err)
	}
	trees := []struct{ name, root string }{{"tree=this", root}}
	if *before != "" {
		trees = append([]struct{ name, root string }{{"tree=" + *before, cloneAt(b, root, *before)}}, trees...)
	}
	for _, tree := range trees {
		for _, scope := range doctor.Scopes() {
			b.Run(tree.name+"/scope="+string(scope), func(b *testing.B) {
				proxy := localProxy(b) + "," + goEnv(b, "GOPROXY")
				for b.Loop() {
					fetchInto(b, tree.root, proxy, scope)
				}
			})
		}
	}
}

// fetchInto runs prepare's fetch of scope from the module at root into an
// empty module cache and reports what it holds afterwards.
func fetchInto(b *testing.B, root, proxy string, scope doctor.Scope) {
	cache, err := os.MkdirTemp("", "prepare-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(cache)
	b.Setenv("GOPROXY", proxy)
	b.Setenv("GOMODCACHE", cache)
	b.Setenv("GOFLAGS", "-modcacherw")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	var log bytes.Buffer
	if err := fetchModules(ctx, &progress{w: &log}, root, scope); err != nil {
		b.Fatalf("fetch: %v\n%s", err, log.String())
	}
	zips, n := zipStats(b, cache)
	b.ReportMetric(float64(zips)/(1<<20), "MiB-zips")
	b.ReportMetric(float64(n), "modules")
	b.ReportMetric(float64(dirBytes(b, cache))/(1<<20), "MiB-cache")
}

// cloneAt is a clone of the repository at root, checked out at rev, removed
// when the benchmark ends.
func cloneAt(b *testing.B, root, rev string) string {
	git := func(args ...string) string {
		out, err := exec.Command("git", args...).CombinedOutput()
		if err != nil {
			b.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	commit := git("-C", root, "rev-parse", "--verify", rev+"^{commit}")
	dir := b.TempDir()
	git("clone", "--quiet", "--shared", "--no-checkout", root, dir)
	git("-C", dir, "checkout", "--quiet", "--detach", commit)
	return dir
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
