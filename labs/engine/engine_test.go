package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/internal/repo"
	"github.com/bloglabs/posts/labs/engine"
	"github.com/bloglabs/posts/labs/internal/binaries"
	"github.com/bloglabs/posts/labs/report"
	"github.com/bloglabs/posts/labs/runtimes/process"
	"github.com/bloglabs/posts/tools/pgtemp/pgtest"
)

// binDir holds demoapp and runonce, built once for the package. A runonce
// that does not build fails every test here: the labs need it.
var binDir string

func TestMain(m *testing.M) {
	// The replicas run real binaries, built once for the package into a
	// fixed cache folder (pgtest.Main exits, so a temp folder would leak).
	dir, err := binaries.DefaultDir()
	if err == nil {
		dir = filepath.Join(dir, "lab-test")
		err = buildBinaries(dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lab tests:", err)
		os.Exit(1)
	}
	binDir = dir
	pgtest.Main(m)
}

func buildBinaries(dir string) error {
	root, err := repo.Root()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	return binaries.Build(ctx, root, dir, binaries.Demoapp, binaries.Runonce)
}

// testPostgres is the lab's Postgres seam over the package's test server.
type testPostgres struct {
	base string
	mu   sync.Mutex
	dbs  []string
}

func newTestPostgres(t *testing.T) *testPostgres {
	t.Helper()
	p := &testPostgres{base: pgtest.BaseDSN(t)}
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, p.base)
		if err != nil {
			t.Errorf("drop lab databases: %v", err)
			return
		}
		defer conn.Close(ctx)
		for _, db := range p.dbs {
			if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); err != nil {
				t.Errorf("drop %s: %v", db, err)
			}
		}
	})
	return p
}

func (p *testPostgres) Describe() string { return "test PostgreSQL" }
func (p *testPostgres) AdminDSN() string { return p.base }
func (p *testPostgres) CreateDatabase(ctx context.Context, name string) (string, error) {
	conn, err := pgx.Connect(ctx, p.base)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	p.mu.Lock()
	p.dbs = append(p.dbs, name)
	p.mu.Unlock()
	u, err := url.Parse(p.base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

var _ engine.Postgres = (*testPostgres)(nil)

func config(t *testing.T, replicas int) engine.Config {
	t.Helper()
	var logs bytes.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("progress:\n%s", logs.String())
		}
	})
	return engine.Config{
		Runtime:  process.New(process.Options{BinDir: binDir}),
		Postgres: newTestPostgres(t),
		Replicas: replicas,
		Progress: &logs,
	}
}

// asJSON round-trips v through its JSON, so that tests assert on what
// --json writes.
func asJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	if err := report.WriteJSON(&buf, v); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func replicaCounts() []int {
	if testing.Short() {
		return []int{5}
	}
	return []int{5, 20}
}

func TestRaceReproducesOnDefaultSettings(t *testing.T) {
	t.Parallel()
	for _, n := range replicaCounts() {
		t.Run(fmt.Sprintf("replicas=%d", n), func(t *testing.T) {
			t.Parallel()
			res, err := engine.Race(context.Background(), config(t, n))
			if err != nil {
				t.Fatalf("Race: %v", err)
			}
			j := asJSON(t, res)
			if j["lab"] != "race" || j["runtime"] != "process" || int(j["replicas"].(float64)) != n {
				t.Errorf("lab/runtime/replicas = %v/%v/%v, want race/process/%d", j["lab"], j["runtime"], j["replicas"], n)
			}
			dbOK, crashes := j["db_ok"].(bool), j["crashes"].(float64)
			if dbOK && crashes == 0 {
				t.Errorf("db_ok=%v crashes=%v; want the race to show (db_ok false or crashes > 0)", dbOK, crashes)
			}
			if runs := j["runs_of_step"].(float64); runs < 2 {
				t.Errorf("runs_of_step = %v, want the step run by several replicas (the window is widened for that)", runs)
			}
			if len(j["replica_outcomes"].([]any)) != n || j["verdict"] == "" {
				t.Errorf("%d outcomes, verdict %q; want %d and a verdict", len(j["replica_outcomes"].([]any)), j["verdict"], n)
			}
			if res.Seconds > 45 {
				t.Errorf("the race took %.1fs to its verdict, want well under a minute", res.Seconds)
			}
		})
	}
}

func TestFixRunsTheStepExactlyOnce(t *testing.T) {
	t.Parallel()
	for _, n := range replicaCounts() {
		t.Run(fmt.Sprintf("replicas=%d", n), func(t *testing.T) {
			t.Parallel()
			res, err := engine.Fix(context.Background(), config(t, n))
			if err != nil {
				if res != nil { // the timeline says which replica crashed, and how
					var b strings.Builder
					_ = (report.Text{}).WriteResult(&b, res)
					t.Log(b.String())
				}
				t.Fatalf("Fix: %v", err)
			}
			j := asJSON(t, res)
			if j["runs_of_step"].(float64) != 1 || j["db_ok"] != true || j["crashes"].(float64) != 0 || j["hangs"].(float64) != 0 {
				t.Errorf("runs_of_step=%v db_ok=%v crashes=%v hangs=%v problems=%v; want 1, true, 0, 0",
					j["runs_of_step"], j["db_ok"], j["crashes"], j["hangs"], j["db_problems"])
			}
			outcomes := map[string]int{}
			for _, r := range j["replica_outcomes"].([]any) {
				rep := r.(map[string]any)
				outcomes[rep["outcome"].(string)]++
				if rep["ready"] != true {
					t.Errorf("%s not ready", rep["name"])
				}
			}
			if outcomes["ran"] != 1 || outcomes["skipped"] != n-1 {
				t.Errorf("outcomes %v, want 1 ran and %d skipped", outcomes, n-1)
			}
			// How soon the waiters follow the step is a timing goal, so it
			// lives in the benchmarks (go tool mage bench:runonce) and in
			// lab:compare's table, not here: a wall-clock bound failed on
			// a busy CI machine (5.97 s for 20 replicas) while the
			// behaviour was right.
		})
	}
}

func TestCompareTellsTheStrategiesApart(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("deploys eight times, goose's 5 s polling among them; skipped under -short")
	}
	c := config(t, 3)
	c.HangAfter = 2 * time.Second
	cmp, err := engine.Compare(context.Background(), c)
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	rows := map[string]report.Row{}
	for _, r := range cmp.Rows {
		rows[fmt.Sprintf("%s/%v", r.Strategy, r.CreateIndex)] = r
	}
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 8 (4 strategies × with/without CREATE INDEX CONCURRENTLY)", len(rows))
	}
	for _, ci := range []bool{true, false} {
		if r := rows[fmt.Sprintf("no lock/%v", ci)]; r.DBOK || r.DoubleRuns == 0 {
			t.Errorf("no lock, CIC %v: db_ok=%v double runs=%d; want damage and double runs", ci, r.DBOK, r.DoubleRuns)
		}
		for _, s := range []string{"goose session locker", "runonce"} {
			if r := rows[fmt.Sprintf("%s/%v", s, ci)]; !r.DBOK || r.RunsOfStep != 1 || r.Hangs != 0 || r.SecondsToLastReady == nil {
				t.Errorf("%s, CIC %v: db_ok=%v runs=%d hangs=%d; want correct", s, ci, r.DBOK, r.RunsOfStep, r.Hangs)
			}
		}
	}
	if r := rows["post's LOCK TABLE/true"]; r.Hangs == 0 || r.Hang == "" {
		t.Errorf("post's LOCK TABLE with CIC: hangs=%d hang=%q; want the CREATE INDEX CONCURRENTLY hang diagnosed", r.Hangs, r.Hang)
	}
	if r := rows["post's LOCK TABLE/false"]; !r.DBOK || r.Hangs != 0 {
		t.Errorf("post's LOCK TABLE without CIC: db_ok=%v hangs=%d; want correct", r.DBOK, r.Hangs)
	}
	// goose polls every 5 s; runonce is woken when the holder finishes.
	g, r := rows["goose session locker/true"], rows["runonce/true"]
	if g.SecondsToLastReady != nil && r.SecondsToLastReady != nil && *r.SecondsToLastReady >= *g.SecondsToLastReady {
		t.Errorf("runonce last ready %.2fs, goose %.2fs; want runonce sooner", *r.SecondsToLastReady, *g.SecondsToLastReady)
	}
	if !cmp.Showed {
		t.Errorf("Showed = false, verdict %q", cmp.Verdict)
	}
}

func TestConfigNeedsItsSeams(t *testing.T) {
	t.Parallel()
	if _, err := engine.Race(context.Background(), engine.Config{}); err == nil {
		t.Error("Race with an empty Config succeeded; want an error naming Runtime and Postgres")
	}
	if _, err := engine.Compare(context.Background(), engine.Config{Runtime: process.New(process.Options{})}); err == nil {
		t.Error("Compare without a Postgres succeeded; want an error naming Runtime and Postgres")
	}
}
