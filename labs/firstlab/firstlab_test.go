package firstlab

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// go -v's package lines are counted once each; the lab's own lines, the
// go command's "downloading" lines and mage's are not.
func TestPackagesNamed(t *testing.T) {
	t.Parallel()
	stderr := `go: downloading github.com/jackc/pgx/v5 v5.12.0
internal/goarch
github.com/jackc/pgx/v5/pgconn
github.com/bloglabs/posts/labs/cmd/lab
internal/goarch
building demoapp with go build into /x/y... 1.2s
starting embedded PostgreSQL... embedded PostgreSQL 15.14, 0.8s
deploying 5 replicas that each migrate on boot, no lock...
`
	if got := packagesNamed(stderr); got != 3 {
		t.Errorf("packagesNamed = %d, want 3", got)
	}
}

func TestVerdictAndFetched(t *testing.T) {
	t.Parallel()
	if got := verdict("report\n\nverdict: race reproduced — 5 of 5\nmore\n"); got != "race reproduced — 5 of 5" {
		t.Errorf("verdict = %q", got)
	}
	dir := t.TempDir()
	for name, size := range map[string]int{"a/@v/v1.0.0.zip": 100, "a/@v/v1.0.0.mod": 10, "b/@v/v2.0.0.zip": 50} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	zips, size, err := fetched(dir)
	if err != nil || zips != 2 || size != 160 {
		t.Errorf("fetched = %d zips, %d bytes, %v; want 2, 160", zips, size, err)
	}
}

func TestWriteTableRatio(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	err := WriteTable(&b, []string{"before", "after"}, []Result{
		{Rev: "aaaaaaaaaaaaaaaa", Modules: 100, Bytes: 100 << 20, Packages: 1000, Seconds: 200, Verdict: "race reproduced"},
		{Rev: "bbbbbbbbbbbbbbbb", Modules: 20, Bytes: 20 << 20, Packages: 250, Seconds: 50, Verdict: "race reproduced"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"aaaaaaaaaaaa", "100.0", "after/before", "0.20×", "0.25×"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
