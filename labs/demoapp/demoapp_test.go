package demoapp_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/labs/demoapp"
	"github.com/bloglabs/posts/labs/demoapp/migrations"
	"github.com/bloglabs/posts/tools/pgtemp/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type testBundle struct {
	dsn string
	cfg demoapp.Config
	log *bytes.Buffer
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	dsn := pgtest.DB(t)
	buf := &bytes.Buffer{}
	return &testBundle{
		dsn: dsn,
		cfg: demoapp.Config{DSN: dsn, Pod: "test-0", Port: 0, Backfill: 10 * time.Millisecond, CreateIndex: true, Lock: demoapp.LockNone},
		log: buf,
	}
}

func (b *testBundle) logger() *slog.Logger { return slog.New(slog.NewTextHandler(b.log, nil)) }

func (b *testBundle) events(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(b.log.String(), "\n") {
		if name, _, ok := demoapp.ParseEvent(line); ok {
			out = append(out, name)
		}
	}
	return out
}

func exec(t *testing.T, dsn, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestMigrateAppliesOnceThenIsUpToDate(t *testing.T) {
	t.Parallel()
	for _, createIndex := range []bool{true, false} {
		t.Run(fmt.Sprintf("create_index=%v", createIndex), func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			b.cfg.CreateIndex = createIndex
			ctx := context.Background()
			for range 2 {
				if err := demoapp.Migrate(ctx, b.cfg, b.logger()); err != nil {
					t.Fatalf("Migrate: %v\n%s", err, b.log)
				}
			}
			want := "migrating ran migrated migrating up-to-date"
			if got := strings.Join(b.events(t), " "); got != want {
				t.Errorf("events: got %q, want %q", got, want)
			}
			in, err := demoapp.Inspect(ctx, b.dsn, createIndex)
			if err != nil {
				t.Fatal(err)
			}
			if !in.OK() || in.RunsOfStep != 1 || in.PlanRows != 3 {
				t.Errorf("Inspect: ok=%v runs=%d plans=%d problems=%q; want ok, 1 run, 3 plans", in.OK(), in.RunsOfStep, in.PlanRows, in.Problems)
			}
			if in.RunsByHolder["test-0"] != 1 {
				t.Errorf("RunsByHolder = %v, want test-0 once (application_name names the pod)", in.RunsByHolder)
			}
			if wantIdx := createIndex; (in.IndexValid != nil) != wantIdx {
				t.Errorf("index present = %v, want %v", in.IndexValid != nil, wantIdx)
			}
		})
	}
}

func TestInspectReportsEveryKindOfDamage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	if err := demoapp.Migrate(ctx, b.cfg, b.logger()); err != nil {
		t.Fatal(err)
	}
	// What a race leaves: a second run of the step, its seeds, its
	// version row, and the unique index left INVALID by a failed build.
	exec(t, b.dsn, `DROP INDEX plans_name_key;
		INSERT INTO migration_runs (step, holder) VALUES ('seed-and-backfill', 'test-1');
		INSERT INTO plans (name, price_cents) VALUES ('free', 0), ('pro', 900);
		INSERT INTO goose_db_version (version_id, is_applied) VALUES (3, true)`)
	conn, err := pgx.Connect(ctx, b.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE UNIQUE INDEX CONCURRENTLY plans_name_key ON plans (name)`); err == nil {
		t.Fatal("CREATE UNIQUE INDEX over duplicates succeeded; want it to fail and leave an INVALID index")
	}
	in, err := demoapp.Inspect(ctx, b.dsn, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"index plans_name_key is INVALID",
		"plans holds 5 seed rows, want 3: free ×2, pro ×2",
		"goose_db_version records versions more than once: 3 ×2",
		"the one-time step (seed-and-backfill) ran 2 times, want once",
	}
	got := strings.Join(in.Problems, "\n")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("problems lack %q; got:\n%s", w, got)
		}
	}
	if in.OK() || in.RunsOfStep != 2 || in.IndexValid == nil || *in.IndexValid {
		t.Errorf("OK=%v runs=%d indexValid=%v; want damaged, 2 runs, index invalid", in.OK(), in.RunsOfStep, in.IndexValid)
	}
}

func TestInspectEmptyDatabase(t *testing.T) {
	t.Parallel()
	b := setup(t)
	in, err := demoapp.Inspect(context.Background(), b.dsn, true)
	if err != nil {
		t.Fatal(err)
	}
	if in.OK() || !strings.Contains(strings.Join(in.Problems, "\n"), "table plans is missing") {
		t.Errorf("problems %q, want the missing tables", in.Problems)
	}
}

// Goose's session locker makes concurrent migrations take turns: the step
// runs once. (Its 5 s polling is why this test takes 5–10 s.)
func TestGooseLockerRunsTheStepOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("waits for goose's 5 s lock polling; skipped under -short")
	}
	b := setup(t)
	b.cfg.Lock = demoapp.LockGoose
	b.cfg.Backfill = 300 * time.Millisecond
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			c := b.cfg
			c.Pod = fmt.Sprintf("test-%d", i)
			errs[i] = demoapp.Migrate(context.Background(), c, slog.New(slog.DiscardHandler))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	in, err := demoapp.Inspect(context.Background(), b.dsn, true)
	if err != nil {
		t.Fatal(err)
	}
	if !in.OK() {
		t.Errorf("problems %q, want none", in.Problems)
	}
}

// The post's recipe serializes its command: no two replicas' commands
// overlap in time.
func TestPostLockSerializesTheCommand(t *testing.T) {
	t.Parallel()
	b := setup(t)
	stamps := filepath.Join(t.TempDir(), "stamps")
	const n = 6
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			c := b.cfg
			c.Pod = fmt.Sprintf("test-%d", i)
			// Each command writes its start and end; appends of short
			// lines are atomic.
			script := fmt.Sprintf(`echo "$(date +%%s%%N) start %d" >> %s; sleep 0.1; echo "$(date +%%s%%N) end %d" >> %s; exit 3`, i, stamps, i, stamps)
			var out bytes.Buffer
			if err := demoapp.PostLock(context.Background(), c, []string{"sh", "-c", script}, &out, &out, slog.New(slog.DiscardHandler)); err != nil {
				t.Errorf("PostLock %d: %v (the post ignores the command's status; so must the port)", i, err)
			}
		})
	}
	wg.Wait()
	data, err := os.ReadFile(stamps)
	if err != nil {
		t.Fatal(err)
	}
	type stamp struct {
		at   int64
		what string
	}
	var ss []stamp
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		at, _ := strconv.ParseInt(f[0], 10, 64)
		ss = append(ss, stamp{at, f[1] + " " + f[2]})
	}
	sort.Slice(ss, func(i, j int) bool { return ss[i].at < ss[j].at })
	if len(ss) != 2*n {
		t.Fatalf("%d stamps, want %d", len(ss), 2*n)
	}
	for k := 0; k < len(ss); k += 2 {
		s, e := ss[k], ss[k+1]
		id := strings.TrimPrefix(s.what, "start ")
		if !strings.HasPrefix(s.what, "start ") || e.what != "end "+id {
			t.Fatalf("commands overlap: %v then %v, want each start followed by its own end", s, e)
		}
	}
}

func TestServeReadyOnlyOnceMigrated(t *testing.T) {
	t.Parallel()
	b := setup(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b.cfg.Port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- demoapp.Serve(ctx, b.cfg, false, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	get := func(path string) int {
		for range 100 {
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d%s", b.cfg.Port, path))
			if err != nil {
				time.Sleep(20 * time.Millisecond)
				continue
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		t.Fatalf("GET %s: server never answered", path)
		return 0
	}
	if got := get("/healthz"); got != http.StatusOK {
		t.Errorf("/healthz = %d, want 200", got)
	}
	if got := get("/readyz"); got != http.StatusServiceUnavailable {
		t.Errorf("/readyz before migrating = %d, want 503", got)
	}
	if err := demoapp.Migrate(ctx, b.cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if got := get("/readyz"); got != http.StatusOK {
		t.Errorf("/readyz after migrating = %d, want 200", got)
	}
}

func TestParseEvent(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Error("exiting", "event", demoapp.EventError, "err", `migration 4: ERROR: relation "plans_name_key" already exists`)
	name, attrs, ok := demoapp.ParseEvent(strings.TrimSpace(buf.String()))
	if !ok || name != "error" || attrs["err"] != `migration 4: ERROR: relation "plans_name_key" already exists` || attrs["level"] != "ERROR" {
		t.Errorf("ParseEvent = %q %q %v", name, attrs, ok)
	}
	if _, _, ok := demoapp.ParseEvent(`time=x level=INFO msg="acquired lock"`); ok {
		t.Error("ParseEvent found an event in a line without one")
	}
}

func TestTargetVersion(t *testing.T) {
	t.Parallel()
	if got := demoapp.TargetVersion(true); got != migrations.IndexVersion {
		t.Errorf("TargetVersion(true) = %d, want %d", got, migrations.IndexVersion)
	}
	if got := demoapp.TargetVersion(false); got != migrations.StepVersion {
		t.Errorf("TargetVersion(false) = %d, want %d", got, migrations.StepVersion)
	}
}
