//go:build unix

package faults

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"go/build"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/runonce"
	"github.com/bloglabs/posts/tools/netfault"
	"github.com/bloglabs/posts/tools/pgtemp"
)

// The test binary doubles as the step that replicas run: runonce starts it
// with RUNONCE_FAULTS_STEP set (inherited from the replica's environment).
const stepEnv = "RUNONCE_FAULTS_STEP"

// stopTimeEnv, when set, makes any step take that long to stop after a
// signal (the soak's restart and terminate trials).
const stopTimeEnv = "RUNONCE_FAULTS_STOPTIME"

var (
	fullFlag    = flag.Bool("faults.full", os.Getenv("RUNONCE_FAULTS_FULL") != "", "run the full-size cases (300 replicas against max_connections=50); env RUNONCE_FAULTS_FULL=1")
	raceCLIFlag = flag.Bool("faults.race", os.Getenv("RUNONCE_FAULTS_RACE") != "", "build the runonce binary with -race (slow with many replicas); env RUNONCE_FAULTS_RACE=1")

	runonceBin string
)

func TestMain(m *testing.M) {
	if os.Getenv(stepEnv) != "" {
		os.Exit(stepMain(os.Args[1:]))
	}
	flag.Parse()
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "runonce-faults-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "faults:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		// The step and the events directory must be reachable by the
		// replicas; they run as we do.
		runonceBin = filepath.Join(dir, "runonce")
		if err := buildRunonce(runonceBin); err != nil {
			fmt.Fprintln(os.Stderr, "faults:", err)
			return 1
		}
		return m.Run()
	}())
}

// buildRunonce builds the real CLI once: the faults are about processes,
// signals and exit codes, so the replicas are the binary users deploy.
func buildRunonce(out string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(build.Default.GOROOT, "bin", "go")
	}
	args := []string{"build", "-o", out}
	if *raceCLIFlag {
		args = append(args, "-race")
	}
	args = append(args, "github.com/bloglabs/posts/runonce/cmd/runonce")
	cmd := exec.Command(goBin, args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build runonce: %w\n%s", err, b)
	}
	return nil
}

// stepMain is the step: MODE DURATION. It logs start/end/term events to
// $RUNONCE_FAULTS_DIR/events and holds an exclusive flock on
// $RUNONCE_FAULTS_DIR/excl for as long as it lives; a second step finding
// the flock taken logs an overlap. Modes: ok, fail (exit 1), failonce (the
// first run in the directory fails), cic (CREATE INDEX CONCURRENTLY on
// table items over $RUNONCE_DSN), ignoreterm (ignore SIGTERM), slowstop
// (run until a signal, then take DURATION to stop).
func stepMain(args []string) int {
	dir, holder := os.Getenv("RUNONCE_FAULTS_DIR"), os.Getenv("RUNONCE_HOLDER")
	if len(args) != 2 || dir == "" {
		fmt.Fprintln(os.Stderr, "step: usage: MODE DURATION with RUNONCE_FAULTS_DIR set")
		return 99
	}
	mode := args[0]
	d, err := time.ParseDuration(args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "step:", err)
		return 99
	}
	log := func(kind, detail string) {
		f, err := os.OpenFile(filepath.Join(dir, "events"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return
		}
		// One write of a short line: O_APPEND makes it atomic among steps.
		fmt.Fprintf(f, "%d %s %s %d %s\n", time.Now().UnixNano(), kind, holder, os.Getpid(), detail)
		f.Close()
	}
	// Catch the signals first: a SIGTERM that came between the start event
	// and signal.Notify killed the step silently, and the soak took it
	// for a step that never started (on a machine at load 80).
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	excl, err := os.OpenFile(filepath.Join(dir, "excl"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "step:", err)
		return 99
	}
	defer runtime.KeepAlive(excl) // the flock lives as long as the file
	if err := syscall.Flock(int(excl.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		log("overlap", "flock:"+strings.ReplaceAll(err.Error(), " ", "_"))
	}
	log("start", mode)
	stopWrites := startWrites(log)
	defer stopWrites()
	go func() {
		for s := range sigs {
			log("term", s.String())
			if mode == "ignoreterm" {
				continue
			}
			if mode == "slowstop" {
				time.Sleep(d) // cleaning up, as a migration tool rolling back would
			} else if st, err := time.ParseDuration(os.Getenv(stopTimeEnv)); err == nil {
				time.Sleep(st)
			}
			// Die of the signal, as an unprepared program would.
			log("exit", "signal")
			signal.Reset(s)
			_ = syscall.Kill(os.Getpid(), s.(syscall.Signal))
			time.Sleep(time.Minute)
		}
	}()
	switch mode {
	case "ok", "ignoreterm":
		time.Sleep(d)
	case "slowstop":
		time.Sleep(time.Hour)
	case "fail":
		time.Sleep(d)
		log("end", "fail")
		return 1
	case "failonce":
		f, err := os.OpenFile(filepath.Join(dir, "failed-once"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			time.Sleep(d)
			log("end", "fail")
			return 1
		}
		time.Sleep(d)
	case "cic":
		if code := stepCIC(d, log); code != 0 {
			return code
		}
	default:
		fmt.Fprintln(os.Stderr, "step: unknown mode", mode)
		return 99
	}
	stopWrites()
	log("end", "ok")
	return 0
}

// stepCIC is the cic mode: (re)build an index concurrently, as a migration
// would, after a run that left an invalid one. The index expression is
// $RUNONCE_FAULTS_CIC_EXPR (default: id).
func stepCIC(d time.Duration, log func(kind, detail string)) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	time.Sleep(d) // let the waiters poll
	c, err := pgx.Connect(ctx, os.Getenv("RUNONCE_DSN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "step: connect:", err)
		log("end", "fail")
		return 2
	}
	defer c.Close(context.Background())
	expr := cmp.Or(os.Getenv("RUNONCE_FAULTS_CIC_EXPR"), "id")
	for _, q := range []string{"DROP INDEX CONCURRENTLY IF EXISTS items_id_idx", "CREATE INDEX CONCURRENTLY items_id_idx ON items ((" + expr + "))"} {
		if _, err := c.Exec(ctx, q); err != nil {
			fmt.Fprintln(os.Stderr, "step: cic:", err)
			log("end", "fail")
			return 2
		}
	}
	return 0
}

// writesEnv names the table the step writes to from its own session while
// it runs (the soak's server-side oracle); writesDSNEnv the DSN it writes
// through (default RUNONCE_DSN).
const (
	writesEnv    = "RUNONCE_FAULTS_WRITES"
	writesDSNEnv = "RUNONCE_FAULTS_WRITES_DSN"
)

// startWrites writes, from one session of its own, a row every ~50 ms
// with the session's application_name (the run's identity runonce gave
// the step through PGAPPNAME) and the server's clock_timestamp() taken
// after a 50 ms sleep inside the statement: the moment just before its
// commit, and a statement always in flight, as a migration's is. A write
// that fails (runonce ended the session) ends the writes; the step goes
// on. The returned func stops the writes and waits for the one in flight
// (at most a second).
func startWrites(log func(kind, detail string)) func() {
	table := os.Getenv(writesEnv)
	if table == "" {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := pgx.Connect(ctx, cmp.Or(os.Getenv(writesDSNEnv), os.Getenv("RUNONCE_DSN")))
		if err != nil {
			log("nowrite", strings.ReplaceAll(err.Error(), " ", "_"))
			return
		}
		defer c.Close(context.Background())
		for ctx.Err() == nil {
			_, err := c.Exec(context.Background(), "INSERT INTO "+table+` SELECT CASE WHEN current_setting('application_name') LIKE 'runonce-step/%' THEN current_setting('application_name')
				ELSE 'untagged pid ' || pg_backend_pid() END, clock_timestamp() FROM pg_sleep(0.05)`)
			if err != nil {
				log("fenced", "write_failed")
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(time.Second):
			}
		})
	}
}

// world is one case's PostgreSQL, step name and replicas.
type world struct {
	t       testing.TB
	srv     *pgtemp.Server
	dsn     string // the database as the unprivileged role app, direct
	admin   string // the same database as the superuser
	appPW   string
	dir     string // events and the steps' flock
	name    string
	version string
	lease   time.Duration

	mu       sync.Mutex
	replicas []*replica
	proxies  []*netfault.Proxy
	notes    []event // what the test did, for the timeline
	t0       time.Time
}

// note records something the test did (a fault, a heal) for the timeline.
func (w *world) note(kind, detail string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.notes = append(w.notes, event{at: time.Now(), kind: kind, holder: "test", detail: detail})
}

type worldOptions struct {
	maxConnections int
	name, version  string
	lease          time.Duration
	srv            *pgtemp.Server // share a server (the soak); nil starts one
}

const testDB = "faults"

// startServer starts a PostgreSQL for fault tests: synchronous_commit on,
// because an immediate shutdown loses the last commits otherwise (pgtemp
// turns it off for speed) and the ledger must survive a crash as it would
// in production; fsync may stay off, the OS does not crash here.
func startServer(t testing.TB, maxConnections int) *pgtemp.Server {
	t.Helper()
	if maxConnections == 0 {
		maxConnections = 200
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := pgtemp.Start(ctx, pgtemp.Options{
		Database: testDB,
		Logger:   slog.New(slog.DiscardHandler),
		Settings: map[string]string{
			"synchronous_commit": "on",
			"max_connections":    strconv.Itoa(maxConnections),
			"log_min_messages":   "fatal",
		},
	})
	if err != nil {
		t.Fatalf("start postgres: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Stop(); err != nil {
			t.Errorf("stop postgres: %v", err)
		}
	})
	// The replicas log in as an ordinary role that owns its database, as an
	// application would: no superuser_reserved_connections for them.
	conn, err := pgx.Connect(ctx, srv.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE ROLE app LOGIN PASSWORD '"+appPassword+"'; ALTER DATABASE "+testDB+" OWNER TO app"); err != nil {
		t.Fatal(err)
	}
	return srv
}

// appPassword is distinctive so that a leak into any output is found.
const appPassword = "App-Pa55-7f3b9c1e"

func newWorld(t testing.TB, o worldOptions) *world {
	t.Helper()
	srv := o.srv
	if srv == nil {
		srv = startServer(t, o.maxConnections)
	}
	if o.name == "" {
		o.name = "schema"
	}
	if o.lease == 0 {
		o.lease = 2 * time.Second
	}
	w := &world{
		t: t, srv: srv, appPW: appPassword, dir: t.TempDir(),
		name: o.name, version: o.version, lease: o.lease,
		admin: srv.DSN(), dsn: dsnAs(srv.Port(), "app", appPassword),
		t0: time.Now(),
	}
	t.Cleanup(w.cleanup)
	return w
}

func dsnAs(port int, user, password string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", user, password, port, testDB)
}

// proxyDSN puts a netfault proxy between a replica and the server.
func (w *world) proxy() (*netfault.Proxy, string) {
	w.t.Helper()
	p, err := netfault.Listen(fmt.Sprintf("127.0.0.1:%d", w.srv.Port()))
	if err != nil {
		w.t.Fatal(err)
	}
	w.mu.Lock()
	w.proxies = append(w.proxies, p)
	w.mu.Unlock()
	return p, dsnAs(p.Port(), "app", w.appPW)
}

func (w *world) cleanup() {
	w.mu.Lock()
	rs, ps := w.replicas, w.proxies
	w.mu.Unlock()
	for _, r := range rs {
		r.kill()
	}
	for _, p := range ps {
		p.Heal()
	}
	for _, r := range rs {
		<-r.done
	}
	for _, p := range ps {
		_ = p.Close()
	}
}

// replica is one runonce process.
type replica struct {
	holder   string
	cmd      *exec.Cmd
	out      syncBuffer
	started  time.Time
	exited   time.Time
	code     int // as a shell shows it: 128+N when killed by signal N
	hung     bool
	sent     []syscall.Signal // signals the test sent it
	deadline time.Duration
	done     chan struct{}
	mu       sync.Mutex
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// spawn is how a replica is started.
type spawn struct {
	holder   string
	dsn      string   // defaults to the direct DSN
	flags    []string // extra runonce flags
	mode     string   // step mode; defaults to ok
	stepTime time.Duration
	// deadline is how long the replica may live before it counts as hung
	// and is killed. Defaults to wait-timeout + lease×3 + step time + 10 s.
	deadline    time.Duration
	waitTimeout time.Duration // defaults to 60 s
	noVersion   bool
	env         []string
}

func (w *world) spawn(s spawn) *replica {
	w.t.Helper()
	if s.dsn == "" {
		s.dsn = w.dsn
	}
	if s.mode == "" {
		s.mode = "ok"
	}
	if s.waitTimeout == 0 {
		s.waitTimeout = 60 * time.Second
	}
	if s.deadline == 0 {
		s.deadline = s.waitTimeout + 3*w.lease + s.stepTime + 10*time.Second
	}
	args := []string{"--name", w.name, "--lease", w.lease.String(), "--wait-timeout", s.waitTimeout.String()}
	if w.version != "" && !s.noVersion {
		args = append(args, "--version", w.version)
	}
	args = append(args, s.flags...)
	self, err := os.Executable()
	if err != nil {
		w.t.Fatal(err)
	}
	args = append(args, "--", self, s.mode, s.stepTime.String())
	r := &replica{holder: s.holder, deadline: s.deadline, done: make(chan struct{})}
	r.cmd = exec.Command(runonceBin, args...)
	// The DSN goes in the environment, as a Secret would: never in argv.
	r.cmd.Env = append(os.Environ(),
		"RUNONCE_DSN="+s.dsn, "RUNONCE_HOLDER="+s.holder, "RUNONCE_LOG_LEVEL=debug",
		stepEnv+"=1", "RUNONCE_FAULTS_DIR="+w.dir)
	r.cmd.Env = append(r.cmd.Env, s.env...)
	r.cmd.Stdout, r.cmd.Stderr = &r.out, &r.out
	r.started = time.Now()
	if err := r.cmd.Start(); err != nil {
		w.t.Fatalf("start runonce: %v", err)
	}
	w.mu.Lock()
	w.replicas = append(w.replicas, r)
	w.mu.Unlock()
	go r.wait()
	return r
}

func (r *replica) wait() {
	exited := make(chan error, 1)
	go func() { exited <- r.cmd.Wait() }()
	var err error
	select {
	case err = <-exited:
	case <-time.After(r.deadline):
		r.mu.Lock()
		r.hung = true
		r.mu.Unlock()
		_ = r.cmd.Process.Kill()
		err = <-exited
	}
	r.mu.Lock()
	r.exited = time.Now()
	r.code = shellStatus(err)
	r.mu.Unlock()
	close(r.done)
}

func shellStatus(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return -1
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}

func (r *replica) signal(s syscall.Signal) {
	select {
	case <-r.done:
		return // too late: it exited on its own
	default:
	}
	r.mu.Lock()
	r.sent = append(r.sent, s)
	r.mu.Unlock()
	_ = r.cmd.Process.Signal(s)
}

func (r *replica) kill() {
	select {
	case <-r.done:
	default:
		_ = r.cmd.Process.Kill()
	}
}

func (r *replica) got(s syscall.Signal) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Contains(r.sent, s)
}

// waitAll waits for every replica to exit (each is killed at its deadline).
func (w *world) waitAll() {
	w.mu.Lock()
	rs := slices.Clone(w.replicas)
	w.mu.Unlock()
	for _, r := range rs {
		<-r.done
	}
}

func (w *world) byHolder(h string) *replica {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range w.replicas {
		if r.holder == h {
			return r
		}
	}
	return nil
}

// event is one line of the steps' log.
type event struct {
	at     time.Time
	kind   string // start, end, term, exit, overlap
	holder string
	pid    int
	detail string
}

func (w *world) events() []event {
	b, err := os.ReadFile(filepath.Join(w.dir, "events"))
	if err != nil && !os.IsNotExist(err) {
		w.t.Fatal(err)
	}
	var out []event
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		ns, _ := strconv.ParseInt(f[0], 10, 64)
		pid, _ := strconv.Atoi(f[3])
		e := event{at: time.Unix(0, ns), kind: f[1], holder: f[2], pid: pid}
		if len(f) > 4 {
			e.detail = f[4]
		}
		out = append(out, e)
	}
	slices.SortStableFunc(out, func(a, b event) int { return a.at.Compare(b.at) })
	return out
}

// waitEvent polls the steps' log until pred finds an event.
func (w *world) waitEvent(within time.Duration, pred func(event) bool) (event, bool) {
	deadline := time.Now().Add(within)
	for {
		for _, e := range w.events() {
			if pred(e) {
				return e, true
			}
		}
		if time.Now().After(deadline) {
			return event{}, false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func kindIs(kind string) func(event) bool { return func(e event) bool { return e.kind == kind } }

// ledger reads the step's rows, oldest first.
func (w *world) ledger() []runonce.Run {
	w.t.Helper()
	cfg, err := pgx.ParseConfig(w.admin)
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sts, err := runonce.ReadStatus(ctx, cfg, runonce.StatusOptions{Name: w.name, Limit: 10000})
	if err != nil {
		w.t.Fatalf("read ledger: %v", err)
	}
	runs := slices.Clone(sts[0].Runs)
	slices.Reverse(runs)
	return runs
}

func statuses(runs []runonce.Run) []string {
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = string(r.Status)
	}
	return out
}

// story is what happened in a case, read back from the steps' log, the
// replicas and the ledger after every replica exited.
type story struct {
	events   []event
	runs     []runonce.Run
	replicas []*replica
	starts   []event // step starts, in time order
	oks      []event // steps that finished their work
	overlaps []event
}

func (w *world) story() story {
	w.t.Helper()
	w.waitAll()
	s := story{events: w.events(), runs: w.ledger()}
	w.mu.Lock()
	s.replicas = slices.Clone(w.replicas)
	w.mu.Unlock()
	for _, e := range s.events {
		switch {
		case e.kind == "start":
			s.starts = append(s.starts, e)
		case e.kind == "end" && e.detail == "ok":
			s.oks = append(s.oks, e)
		case e.kind == "overlap":
			s.overlaps = append(s.overlaps, e)
		}
	}
	return s
}

// expectation says what a case allows.
type expectation struct {
	// succeedOnce: the step finished its work exactly once and the ledger
	// has exactly one succeeded row, by the same holder. Otherwise: none.
	succeedOnce bool
	// noSuccess: the step never succeeded (it always fails).
	noSuccess bool
	// waitTimeoutOK lets replicas exit 75 (e.g. the database never came).
	waitTimeoutOK bool
	// unrecordedOK tolerates a success the ledger could not record (the
	// database vanished at the instant of the commit): documented, counted.
	unrecordedOK bool
}

// problems checks the invariants every case shares and returns what broke,
// one line each (the soak counts them; the matrix reports them).
func (w *world) problems(s story, want expectation) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }

	// 1. No overlap: the kernel's flock says so, and so do the timestamps
	//    where both ends are known.
	for _, e := range s.overlaps {
		add("OVERLAP: %s's step started while another step was alive (flock held)", e.holder)
	}
	for i := 1; i < len(s.starts); i++ {
		prev, cur := s.starts[i-1], s.starts[i]
		if end, ok := stepEnd(s.events, prev.pid); ok && end.After(cur.at) {
			add("OVERLAP: %s's step started %v before %s's step ended", cur.holder, end.Sub(cur.at).Round(time.Millisecond), prev.holder)
		}
	}
	// 2. Nothing hung.
	for _, r := range s.replicas {
		if r.hung {
			add("HANG: %s still running after its deadline %v; killed", r.holder, r.deadline)
		}
	}
	// 3. Once: per version the step finished its work at most once (more
	//    only when a success could not be recorded and that is allowed).
	runsOf := map[string]int{}
	for _, e := range s.starts {
		runsOf[e.holder]++
		if runsOf[e.holder] > 1 {
			add("%s's replica ran the step %d times; a runonce process runs it at most once", e.holder, runsOf[e.holder])
		}
	}
	var succeeded []runonce.Run
	for _, r := range s.runs {
		if r.Status == runonce.RunStateSucceeded {
			succeeded = append(succeeded, r)
		}
	}
	switch {
	case want.succeedOnce:
		if len(succeeded) != 1 {
			add("ledger has %d succeeded rows, want exactly 1 (%v)", len(succeeded), statuses(s.runs))
		}
		if len(s.oks) == 0 {
			add("no step finished its work, want exactly 1")
		}
		if len(s.oks) > 1 && !want.unrecordedOK {
			add("DOUBLE RUN: the step finished its work %d times (%v), want exactly 1", len(s.oks), holdersOf(s.oks))
		}
		if len(s.oks) > 1 && want.unrecordedOK {
			// Documented: a success its holder could not record (cut off
			// in the last 2×lease/5 of the step, or before the commit)
			// is run again, after, by the next holder.
			for _, e := range s.oks[:len(s.oks)-1] {
				add("RERUN: %s's step finished its work but its holder could not record it; %s ran it again after", e.holder, s.oks[len(s.oks)-1].holder)
			}
		}
		if len(succeeded) == 1 && len(s.oks) >= 1 && succeeded[0].Holder != s.oks[len(s.oks)-1].holder {
			add("ledger says %s succeeded, the steps' log says %s's step finished last", succeeded[0].Holder, s.oks[len(s.oks)-1].holder)
		}
		if len(succeeded) == 1 {
			// Nothing may start after the success was recorded.
			for _, e := range s.starts {
				if succeeded[0].FinishedAt != nil && e.at.After(succeeded[0].FinishedAt.Add(5*time.Millisecond)) {
					add("DOUBLE RUN: %s's step started %v after the success was recorded", e.holder, e.at.Sub(*succeeded[0].FinishedAt).Round(time.Millisecond))
				}
			}
		}
	case want.noSuccess:
		if len(succeeded) != 0 || len(s.oks) != 0 {
			add("the step succeeded (%d rows, %d steps), want never", len(succeeded), len(s.oks))
		}
	}
	// 4. The ledger tells the true story: a row per step start, and each
	//    row's status agrees with what its step and its replica did.
	rowsOf := map[string][]runonce.Run{}
	for _, r := range s.runs {
		rowsOf[r.Holder] = append(rowsOf[r.Holder], r)
		if r.Status == runonce.RunStateRunning {
			add("ledger row %d of %s is still 'running' after every replica exited", r.ID, r.Holder)
		}
	}
	for _, e := range s.starts {
		if len(rowsOf[e.holder]) == 0 {
			add("%s's step ran but the ledger has no row for it", e.holder)
		}
	}
	for _, r := range s.replicas {
		p = append(p, w.replicaProblems(s, r, rowsOf[r.holder], want)...)
	}
	return p
}

func holdersOf(es []event) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.holder)
	}
	return out
}

// stepEnd is when a step was last seen alive: its end or exit event.
func stepEnd(events []event, pid int) (time.Time, bool) {
	for _, e := range events {
		if e.pid == pid && (e.kind == "end" || e.kind == "exit") {
			return e.at, true
		}
	}
	return time.Time{}, false
}

// Exit codes documented in runonce/cmd/runonce/main.go.
const (
	exitUnavailable = 69
	exitWaitTimeout = 75
	exitLockLost    = 76
	exitRefused     = 77
	exitKilled      = 128 + int(syscall.SIGKILL)
	exitTerminated  = 128 + int(syscall.SIGTERM)
)

// replicaProblems checks one replica's exit status against its story.
func (w *world) replicaProblems(s story, r *replica, rows []runonce.Run, want expectation) []string {
	var p []string
	add := func(format string, args ...any) {
		p = append(p, fmt.Sprintf("%s: ", r.holder)+fmt.Sprintf(format, args...))
	}
	if r.hung {
		return nil // reported already
	}
	var start, end, term bool
	var endDetail string
	for _, e := range s.events {
		if e.holder != r.holder {
			continue
		}
		switch e.kind {
		case "start":
			start = true
		case "end":
			end, endDetail = true, e.detail
		case "term":
			term = true
		}
	}
	out := r.out.String()
	if strings.Contains(out, w.appPW) || strings.Contains(out, w.srv.Password()) {
		add("PASSWORD LEAK: the password appears in its output")
	}
	if len(rows) > 1 {
		add("%d ledger rows, want at most 1", len(rows))
	}
	var status runonce.RunState
	if len(rows) > 0 {
		status = rows[len(rows)-1].Status
	}
	bad := func(wantDesc string) {
		add("exit %d and ledger %q, want %s (step start=%v end=%q term=%v); log tail:\n%s", r.code, status, wantDesc, start, endDetail, term, tail(out, 12))
	}
	switch {
	case r.got(syscall.SIGKILL) && r.code == exitKilled:
		// (A SIGKILL that found it already exiting changes nothing.)
		if start && !end && status != runonce.RunStateAbandoned {
			bad("ledger abandoned for a holder killed mid-step")
		}
	case !start && r.code == exitLockLost && status == runonce.RunStateInterrupted && strings.Contains(out, "msg=running "):
		// runonce started the command and stopped it (lock lost) before
		// the step's process got as far as logging its start: on a loaded
		// machine exec'ing the step takes hundreds of milliseconds.
	case !start:
		// It did not run: skipped (0), or gave up waiting (75), or was
		// told to stop while waiting (143), or refused/unavailable where
		// the case says so.
		switch {
		case r.code == 0 && strings.Contains(out, "skipped"):
		case r.code == exitTerminated && r.got(syscall.SIGTERM):
		case r.code == exitWaitTimeout && want.waitTimeoutOK:
		case r.code == exitLockLost && len(rows) == 1 && rows[0].Status == runonce.RunStateAbandoned:
			// The lock was lost between taking it and starting the step.
		default:
			bad("0 with a skip (it did not run)")
		}
		if len(rows) == 1 && status != runonce.RunStateAbandoned {
			bad("no ledger row, or an abandoned one, for a replica whose step never started")
		}
	case end && endDetail == "ok":
		switch {
		case r.code == 0 && status == runonce.RunStateSucceeded:
		case r.code == exitLockLost && want.unrecordedOK && status != runonce.RunStateSucceeded:
			// Ran, but the database vanished before the result committed.
		case r.code == exitLockLost && status == runonce.RunStateSucceeded:
			bad("0: the success was recorded, so the replica must not report the lock lost")
		default:
			bad("0 and succeeded")
		}
	case end && endDetail == "fail":
		if r.code == 0 || r.code == exitLockLost && status != runonce.RunStateAbandoned && status != runonce.RunStateInterrupted {
			bad("the step's own status and a failed row")
		}
		if r.code != exitLockLost && status != runonce.RunStateFailed {
			bad("a failed row")
		}
	case term && r.got(syscall.SIGTERM):
		// Pod deleted mid-step: the step got the signal and died of it.
		if r.code != exitTerminated || status != runonce.RunStateInterrupted {
			bad("143 and interrupted (SIGTERM forwarded to the step)")
		}
	case term:
		// Fenced: runonce stopped the step because the lock was lost.
		if r.code != exitLockLost || (status != runonce.RunStateInterrupted && status != runonce.RunStateAbandoned) {
			bad("76 (lock lost) and interrupted or abandoned")
		}
	default:
		bad("a step that either finished or was stopped")
	}
	return p
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "    " + strings.Join(lines, "\n    ")
}

// report fails the test with every problem and logs the timeline.
func (w *world) report(t testing.TB, s story, want expectation) {
	t.Helper()
	probs := w.problems(s, want)
	for _, p := range probs {
		if strings.HasPrefix(p, "RERUN") {
			t.Log(p)
			continue
		}
		t.Error(p)
	}
	if len(probs) > 0 || testing.Verbose() {
		t.Logf("timeline (ms since the case began):\n%s", w.timeline(s))
	}
}

func (w *world) timeline(s story) string {
	var b strings.Builder
	w.mu.Lock()
	all := append(slices.Clone(s.events), w.notes...)
	w.mu.Unlock()
	slices.SortStableFunc(all, func(a, b event) int { return a.at.Compare(b.at) })
	for _, e := range all {
		fmt.Fprintf(&b, "  %7d %-8s %s %s\n", e.at.Sub(w.t0).Milliseconds(), e.kind, e.holder, e.detail)
	}
	for _, r := range s.replicas {
		fmt.Fprintf(&b, "  %7d exit     %s code=%d hung=%v\n", r.exited.Sub(w.t0).Milliseconds(), r.holder, r.code, r.hung)
	}
	for _, r := range s.runs {
		fmt.Fprintf(&b, "  ledger %d %s %s exit=%v %s\n", r.ID, r.Holder, r.Status, derefInt(r.ExitCode), r.Error)
	}
	return b.String()
}

func derefInt(p *int) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(*p)
}

// holderOf waits for the first step to start and returns its replica.
func (w *world) holderOf(within time.Duration) (*replica, event) {
	w.t.Helper()
	e, ok := w.waitEvent(within, kindIs("start"))
	if !ok {
		w.t.Fatalf("no step started within %v", within)
	}
	r := w.byHolder(e.holder)
	if r == nil {
		w.t.Fatalf("step started by unknown holder %q", e.holder)
	}
	return r, e
}

// lockHolderPID returns the backend pid holding the step's advisory lock,
// or 0 when it is free.
func lockHolderPID(ctx context.Context, conn *pgx.Conn, name string) (int, error) {
	key := runonce.LockKey("", name)
	var pid int
	err := conn.QueryRow(ctx, `SELECT coalesce(max(pid), 0) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 1
		  AND classid = $1::bigint::oid AND objid = $2::bigint::oid`,
		int64(uint64(key)>>32), int64(uint32(uint64(key)))).Scan(&pid)
	return pid, err
}

// writesTable creates the table the steps write to (see startWrites) and
// returns the environment that makes them write there.
func (w *world) writesTable(table, dsn string) []string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, w.admin)
	if err != nil {
		w.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE "+table+" (run text, at timestamptz); ALTER TABLE "+table+" OWNER TO app"); err != nil {
		w.t.Fatal(err)
	}
	env := []string{writesEnv + "=" + table}
	if dsn != "" {
		env = append(env, writesDSNEnv+"="+dsn)
	}
	return env
}

// writeProblems is the server-side oracle: from the rows the steps wrote
// through their own sessions, no two runs' writes interleave, and none
// landed after the version was recorded succeeded. It first waits (10 s at
// most) until no step session of the step is left on the server.
func (w *world) writeProblems(table string, runs []runonce.Run) []string {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, w.admin)
	if err != nil {
		w.t.Fatal(err)
	}
	defer conn.Close(ctx)
	var p []string
	pattern := fmt.Sprintf("runonce-step/%016x/%%", uint64(runonce.LockKey("", w.name)))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE $1`, pattern).Scan(&n); err != nil {
			w.t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			p = append(p, fmt.Sprintf("DB LEFTOVER: %d step sessions still on the server 10 s after every replica exited", n))
			break
		}
	}
	type span struct {
		run        string
		first, end time.Time
		n          int
	}
	rows, err := conn.Query(ctx, `SELECT run, min(at), max(at), count(*) FROM `+table+` GROUP BY run ORDER BY min(at)`)
	if err != nil {
		w.t.Fatal(err)
	}
	spans, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (span, error) {
		var s span
		return s, r.Scan(&s.run, &s.first, &s.end, &s.n)
	})
	if err != nil {
		w.t.Fatal(err)
	}
	var latest span
	for i, s := range spans {
		if strings.HasPrefix(s.run, "untagged") {
			p = append(p, fmt.Sprintf("DB UNTAGGED: %d writes by a session named %q, not the run's identity", s.n, s.run))
		}
		if i > 0 && s.first.Before(latest.end) {
			p = append(p, fmt.Sprintf("DB OVERLAP: run %s wrote at %s, %v before run %s's last write", s.run, s.first.Format("15:04:05.000"), latest.end.Sub(s.first).Round(time.Millisecond), latest.run))
		}
		if s.end.After(latest.end) {
			latest = s
		}
	}
	for _, r := range runs {
		if r.Status != runonce.RunStateSucceeded || r.FinishedAt == nil {
			continue
		}
		var late int
		var last *time.Time
		if err := conn.QueryRow(ctx, `SELECT count(*), max(at) FROM `+table+` WHERE at > $1`, *r.FinishedAt).Scan(&late, &last); err != nil {
			w.t.Fatal(err)
		}
		if late > 0 {
			p = append(p, fmt.Sprintf("DB LATE WRITE: %d writes committed after run %d was recorded succeeded, the last %v after", late, r.ID, last.Sub(*r.FinishedAt).Round(time.Millisecond)))
		}
	}
	return p
}

// exec runs sql as the superuser.
func (w *world) exec(sql string) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, w.admin)
	if err != nil {
		w.t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		w.t.Fatalf("%s: %v", sql, err)
	}
}

// waitQuery waits (at most within) until a session runs a statement LIKE
// pattern; it reports whether one did.
func (w *world) waitQuery(pattern string, within time.Duration) bool {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within+10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, w.admin)
	if err != nil {
		w.t.Fatal(err)
	}
	defer conn.Close(ctx)
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`, pattern).Scan(&n); err != nil {
			w.t.Fatal(err)
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// stepPID is the pid of holder's step process (its process group), from its
// start event; 0 when it has not started.
func stepPID(w *world, holder string) int {
	for _, e := range w.events() {
		if e.kind == "start" && e.holder == holder {
			return e.pid
		}
	}
	return 0
}
