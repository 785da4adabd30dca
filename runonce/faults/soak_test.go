//go:build unix

package faults

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/runonce"
	"github.com/bloglabs/posts/tools/netfault"
	"github.com/bloglabs/posts/tools/pgtemp"
)

var (
	soakTrials = flag.Int("soak.trials", envInt("RUNONCE_SOAK"), "run the randomized soak with this many trials (0: skip); env RUNONCE_SOAK")
	soakSeed   = flag.Uint64("soak.seed", uint64(envInt("RUNONCE_SOAK_SEED")), "the soak's random seed (0: from the clock); env RUNONCE_SOAK_SEED")
	soakOut    = flag.String("soak.out", os.Getenv("RUNONCE_SOAK_OUT"), "also write the soak's table, as Markdown, to this file; env RUNONCE_SOAK_OUT")
	soakFrom   = flag.Int("soak.from", envInt("RUNONCE_SOAK_FROM"), "number of the first trial (trials from, from+1, …; another process can run the next range); env RUNONCE_SOAK_FROM")
	soakLog    = flag.String("soak.results", os.Getenv("RUNONCE_SOAK_RESULTS"), "append each trial's result to this file, one JSON line per trial, as it ends; env RUNONCE_SOAK_RESULTS")
	soakMerge  = flag.String("soak.merge", os.Getenv("RUNONCE_SOAK_MERGE"), "print the table of the results in these files (comma-separated, from -soak.results) instead of running trials; env RUNONCE_SOAK_MERGE")
)

func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// A fault the soak injects, at a random moment, into one trial.
type fault string

const (
	faultNone          fault = "none"
	faultKill          fault = "SIGKILL holder"
	faultTerm          fault = "SIGTERM holder"
	faultPartition     fault = "partition holder"
	faultPartitionWait fault = "partition a waiter"
	faultTerminate     fault = "pg_terminate_backend holder"
	faultRestartFast   fault = "restart fast"
	faultRestartImm    fault = "restart immediate"
	faultDownAtStart   fault = "down at start"
	faultFailOnce      fault = "step fails once"
	faultFailAlways    fault = "step always fails"
	faultFreeze        fault = "SIGSTOP holder > lease"
	faultMixed         fault = "mixed leases, holder's sessions ended"
	faultCICKill       fault = "SIGKILL holder mid-CIC"
)

var allFaults = []fault{faultNone, faultKill, faultTerm, faultPartition, faultPartitionWait, faultTerminate,
	faultRestartFast, faultRestartImm, faultDownAtStart, faultFailOnce, faultFailAlways,
	faultFreeze, faultMixed, faultCICKill}

// trialResult is one trial's outcome.
type trialResult struct {
	fault    fault
	pooled   bool
	replicas int
	lease    time.Duration
	overlaps int // two steps alive at once
	doubles  int // a step started after a recorded success
	// The server-side oracle: two runs' writes interleaved; a write
	// committed after the recorded success.
	dbOverlaps, dbLate int
	// frozen: two step processes alive at once because the earlier one's
	// runonce was frozen (SIGSTOP) past its lease: documented, not counted
	// as overlaps; the server-side oracle must still be clean.
	frozen int
	reruns int // a success its holder could not record, run again after (documented)
	hangs  int
	errors int
	// crashed: PgBouncer died during the trial (a bug of PgBouncer 1.18,
	// see poolerCrash); the trial's other errors are the outage's, not
	// runonce's, and are not counted. Overlaps, doubles and hangs are.
	crashed  bool
	recovery time.Duration // fault → the step's next start; 0 when not applicable
	hasRecov bool
	wall     time.Duration
	problems []string
	notes    []string
	timeline string
}

// TestSoak runs randomized trials: 5–20 replicas, a lease of 1–3 s, a step
// of 0.3–2 s, each trial one fault at a random moment, directly or through
// PgBouncer in transaction mode; then a table per fault of double runs
// (must be 0), hangs (must be 0), other broken invariants, and the time to
// recovery.
func TestSoak(t *testing.T) {
	if *soakTrials <= 0 {
		t.Skip("the soak runs with -soak.trials=N or RUNONCE_SOAK=N, e.g. RUNONCE_SOAK=100 go test ./runonce/faults -run Soak -v -timeout 60m")
	}
	seed := *soakSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("soak: %d trials, seed %d (rerun with -soak.seed=%d)", *soakTrials, seed, seed)
	if f := os.Getenv("RUNONCE_SOAK_FAULT"); f != "" {
		t.Logf("only trials of fault %q (RUNONCE_SOAK_FAULT)", f)
	}
	srv := startServer(t, 0)
	var bouncer *pgtemp.PgBouncer
	if _, err := pgtemp.FindPgBouncer(); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		b, err := srv.StartPgBouncer(ctx, pgtemp.PgBouncerOptions{PoolMode: "transaction", PoolSize: 3, Users: map[string]string{"app": appPassword}})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		bouncer = b
		t.Cleanup(func() { _ = bouncer.Stop() })
	} else if errors.Is(err, pgtemp.ErrNoPgBouncer) {
		t.Log("pgbouncer not installed: every trial connects directly")
	}

	start := time.Now()
	var results []trialResult
	for i := *soakFrom; i < *soakFrom+*soakTrials; i++ {
		// A generator per trial: -run 'Soak/017' with the same seed replays
		// trial 17 alone.
		rng := rand.New(rand.NewPCG(seed, uint64(i)))
		f := allFaults[rng.IntN(len(allFaults))]
		pooled := bouncer != nil && rng.IntN(4) == 0
		if only := os.Getenv("RUNONCE_SOAK_FAULT"); only != "" && string(f) != only {
			continue
		}
		var r trialResult
		ran := false
		t.Run(fmt.Sprintf("%03d %s", i, f), func(t *testing.T) {
			ran = true
			r = runTrial(t, srv, bouncer, i, f, pooled, rng)
			if bouncer != nil && bouncer.Exited() {
				r.crashed = true
				t.Logf("PgBouncer crashed during this trial: %s; starting another", poolerCrash(bouncer.Log()))
				_ = bouncer.Stop()
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				b, err := srv.StartPgBouncer(ctx, pgtemp.PgBouncerOptions{PoolMode: "transaction", PoolSize: 3, Users: map[string]string{"app": appPassword}})
				cancel()
				if err != nil {
					t.Fatal(err)
				}
				bouncer = b
				if pooled {
					for _, p := range r.problems {
						t.Log("not counted (PgBouncer died under it):", p)
					}
					r.errors, r.problems = 0, nil
				}
			}
			for _, p := range r.problems {
				t.Error(p)
			}
			for _, p := range r.notes {
				t.Log(p)
			}
			if len(r.problems)+len(r.notes) > 0 {
				t.Logf("trial %d (%s, %d replicas, lease %v, pooled %v):\n%s", i, f, r.replicas, r.lease, pooled, r.timeline)
			}
		})
		if !ran { // -run picked other trials: replaying some
			continue
		}
		results = append(results, r)
		if *soakLog != "" {
			if err := appendRecord(*soakLog, i, seed, r); err != nil {
				t.Fatal(err)
			}
		}
	}
	table := soakTable(results, seed, time.Since(start))
	t.Logf("\n%s", table)
	if *soakOut != "" {
		if err := os.WriteFile(*soakOut, []byte(table), 0o644); err != nil {
			t.Error(err)
		}
	}
}

func runTrial(t *testing.T, srv *pgtemp.Server, bouncer *pgtemp.PgBouncer, i int, f fault, pooled bool, rng *rand.Rand) trialResult {
	lease := time.Duration(1+rng.IntN(3)) * time.Second
	n := 5 + rng.IntN(16)
	stepTime := time.Duration(300+rng.IntN(1700)) * time.Millisecond
	if f == faultMixed {
		lease = 6 * time.Second // the longest of the fleet's leases, for the deadlines
	}
	w := newWorld(t, worldOptions{srv: srv, name: fmt.Sprintf("soak%03d", i), version: "v1", lease: lease})
	res := trialResult{fault: f, pooled: pooled, replicas: n, lease: lease}
	// The steps write through their own sessions; through PgBouncer in
	// transaction mode a session's name is not its own, so pooled trials'
	// steps write directly (the lock and ledger still go through it).
	table, writeDSN := fmt.Sprintf("soak_writes_%03d", i), ""
	if pooled {
		writeDSN = dsnAs(srv.Port(), "app", appPassword)
	}
	stepEnv := w.writesTable(table, writeDSN)
	if f == faultCICKill {
		stepEnv = append(stepEnv, "RUNONCE_FAULTS_CIC_EXPR=slow_id(id)")
		w.exec("DROP TABLE IF EXISTS items; CREATE TABLE items (id int); INSERT INTO items SELECT generate_series(1, 5000); ALTER TABLE items OWNER TO app; " +
			"CREATE OR REPLACE FUNCTION slow_id(int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT $1 FROM pg_sleep(0.0002)'")
	}

	target := fmt.Sprintf("127.0.0.1:%d", srv.Port())
	var flags []string
	if pooled {
		target = fmt.Sprintf("127.0.0.1:%d", bouncer.Port())
		flags = []string{"--transaction-pooler"}
	}
	mode := "ok"
	switch f {
	case faultFailOnce:
		mode = "failonce"
	case faultFailAlways:
		mode = "fail"
	case faultCICKill:
		mode = "cic"
	}
	// Each replica through a proxy of its own, so any one can be cut off.
	proxies := make(map[string]*netfault.Proxy, n)
	specs := make([]spawn, n)
	for j := range n {
		p, err := netfault.Listen(target)
		if err != nil {
			t.Fatal(err)
		}
		w.mu.Lock()
		w.proxies = append(w.proxies, p)
		w.mu.Unlock()
		h := fmt.Sprint("pod-", j)
		proxies[h] = p
		specs[j] = spawn{holder: h, dsn: dsnAs(p.Port(), "app", appPassword), flags: flags, mode: mode, stepTime: stepTime, env: slices.Clone(stepEnv)}
		switch f {
		case faultTerminate, faultRestartFast, faultRestartImm:
			// A step that takes its time to stop (issue 10 item 6): the
			// largest kill grace, lease/2, of which it uses 80%.
			specs[j].flags = append(append([]string{}, flags...), "--kill-grace", (lease / 2).String())
			specs[j].env = append(specs[j].env, stopTimeEnv+"="+(lease*2/5).String())
		case faultMixed:
			// Issue 17 item 2: each replica its own lease, its step using
			// 80% of the largest kill grace it may have.
			l := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 6 * time.Second}[rng.IntN(4)]
			specs[j].flags = append(append([]string{}, flags...), "--lease", l.String(), "--kill-grace", (l / 2).String())
			specs[j].env = append(specs[j].env, stopTimeEnv+"="+(l*2/5).String())
		}
	}
	if f == faultDownAtStart {
		if err := srv.Shutdown(pgtemp.Fast); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Now()
	for _, s := range specs {
		w.spawn(s)
	}
	moment := time.Duration(rng.Int64N(int64(stepTime + time.Second)))
	time.Sleep(moment)

	ctx := context.Background()
	var faultAt time.Time
	var hit string // the holder the fault stopped mid-step, if any
	holderNow := func() string {
		open := map[string]bool{}
		for _, e := range w.events() {
			switch e.kind {
			case "start":
				open[e.holder] = true
			case "end", "exit":
				delete(open, e.holder)
			}
		}
		for h := range open {
			return h
		}
		return ""
	}
	randomReplica := func() *replica {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.replicas[rng.IntN(len(w.replicas))]
	}
	targetReplica := func() *replica {
		if h := holderNow(); h != "" {
			hit = h
			return w.byHolder(h)
		}
		return randomReplica()
	}
	switch f {
	case faultKill:
		r := targetReplica()
		faultAt = time.Now()
		r.signal(syscall.SIGKILL)
	case faultTerm:
		r := targetReplica()
		faultAt = time.Now()
		r.signal(syscall.SIGTERM)
	case faultPartition:
		r := targetReplica()
		faultAt = time.Now()
		proxies[r.holder].Blackhole()
		heal := time.Duration(500+rng.IntN(3000)) * time.Millisecond
		time.AfterFunc(heal+lease, func() { proxies[r.holder].Heal(); w.note("heal", r.holder) })
	case faultPartitionWait:
		h := holderNow()
		var r *replica
		for range 10 {
			if r = randomReplica(); r.holder != h {
				break
			}
		}
		faultAt = time.Now()
		proxies[r.holder].Blackhole()
		time.AfterFunc(time.Duration(500+rng.IntN(3000))*time.Millisecond, func() { proxies[r.holder].Heal(); w.note("heal", r.holder) })
	case faultTerminate:
		admin, err := pgx.Connect(ctx, w.admin)
		if err != nil {
			t.Fatal(err)
		}
		hit = holderNow()
		faultAt = time.Now()
		_, err = admin.Exec(ctx, `SELECT pg_terminate_backend(l.pid) FROM pg_locks l
			WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid`,
			int64(uint64(runonce.LockKey("", w.name))>>32), int64(uint32(uint64(runonce.LockKey("", w.name)))))
		admin.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
	case faultRestartFast, faultRestartImm:
		mode := pgtemp.Fast
		if f == faultRestartImm {
			mode = pgtemp.Immediate
		}
		hit = holderNow()
		faultAt = time.Now()
		if err := srv.Restart(ctx, mode); err != nil {
			t.Fatal(err)
		}
	case faultDownAtStart:
		if err := srv.Resume(ctx); err != nil {
			t.Fatal(err)
		}
		faultAt = time.Now() // recovery counts from the database coming up
	case faultFreeze:
		// runonce and its step frozen (a paused VM, a stopped container)
		// for longer than the lease, then thawed.
		r := targetReplica()
		step := stepPID(w, r.holder)
		faultAt = time.Now()
		r.signal(syscall.SIGSTOP)
		if step > 0 {
			_ = syscall.Kill(-step, syscall.SIGSTOP)
		}
		time.Sleep(lease + time.Duration(500+rng.IntN(1500))*time.Millisecond)
		if step > 0 {
			_ = syscall.Kill(-step, syscall.SIGCONT)
		}
		r.signal(syscall.SIGCONT)
		w.note("thaw", r.holder)
	case faultMixed:
		hit = holderNow()
		faultAt = time.Now()
		w.exec(fmt.Sprintf("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'runonce/%016x/%s'", uint64(runonce.LockKey("", w.name)), hit))
	case faultCICKill:
		w.waitQuery("CREATE INDEX CONCURRENTLY%", 15*time.Second)
		r := targetReplica()
		faultAt = time.Now()
		r.signal(syscall.SIGKILL)
	}

	if !faultAt.IsZero() {
		w.mu.Lock()
		w.notes = append(w.notes, event{at: faultAt, kind: "fault", holder: "test", detail: strings.ReplaceAll(string(f), " ", "_") + "@" + hit})
		w.mu.Unlock()
	}
	s := w.story()
	for _, p := range proxies {
		p.Heal()
	}
	res.wall = time.Since(t0)
	want := expectation{succeedOnce: f != faultFailAlways, noSuccess: f == faultFailAlways, unrecordedOK: true}
	for _, p := range append(w.problems(s, want), w.writeProblems(table, s.runs)...) {
		switch {
		case strings.HasPrefix(p, "OVERLAP") && f == faultFreeze:
			res.frozen++
			res.notes = append(res.notes, "documented (a frozen runonce's step process runs on): "+p)
			continue
		case strings.HasPrefix(p, "DB OVERLAP"):
			res.dbOverlaps++
		case strings.HasPrefix(p, "DB LATE WRITE"):
			res.dbLate++
		case strings.HasPrefix(p, "OVERLAP"):
			res.overlaps++
		case strings.HasPrefix(p, "DOUBLE RUN"):
			res.doubles++
		case strings.HasPrefix(p, "RERUN"):
			res.reruns++
			res.notes = append(res.notes, p)
			continue
		case strings.HasPrefix(p, "HANG"):
			res.hangs++
		default:
			res.errors++
		}
		res.problems = append(res.problems, p)
	}
	// Time to recovery: from the fault to the step's next start by another
	// replica, when the step had not succeeded yet; for a failed first run,
	// from the failure to the retry.
	if f == faultFailOnce {
		for _, e := range s.events {
			if e.kind == "end" && e.detail == "fail" {
				faultAt, hit = e.at, e.holder
				break
			}
		}
	}
	if !faultAt.IsZero() && !succeededBefore(s, faultAt) {
		for _, e := range s.starts {
			if e.at.After(faultAt) && e.holder != hit {
				res.recovery, res.hasRecov = e.at.Sub(faultAt), true
				break
			}
		}
	}
	res.timeline = w.timeline(s)
	return res
}

func succeededBefore(s story, at time.Time) bool {
	for _, e := range s.oks {
		if e.at.Before(at) {
			return true
		}
	}
	return false
}

func soakTable(rs []trialResult, seed uint64, wall time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "runonce soak: %d trials, seed %d, %v; 5–20 replicas, lease 1–3 s, step 0.3–2 s, one fault per trial at a random moment\n\n",
		len(rs), seed, wall.Round(time.Second))
	fmt.Fprintln(&b, "| fault | trials | via PgBouncer | overlaps | runs after a recorded success | DB: interleaved writes | DB: writes after the success | hangs | other errors | PgBouncer crashed | re-runs of an unrecorded success | frozen step ran on | recovery n | p50 | p95 | max | max/lease |")
	fmt.Fprintln(&b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	var total trialResult
	totalN, totalCrashes := 0, 0
	for _, f := range allFaults {
		var n, pooled, overlaps, doubles, reruns, hangs, errs, crashes, dbo, dbl, frozen int
		var rec []time.Duration
		maxRatio := 0.0
		for _, r := range rs {
			if r.fault != f {
				continue
			}
			n++
			if r.pooled {
				pooled++
			}
			overlaps += r.overlaps
			doubles += r.doubles
			dbo += r.dbOverlaps
			dbl += r.dbLate
			frozen += r.frozen
			reruns += r.reruns
			hangs += r.hangs
			errs += r.errors
			if r.crashed {
				crashes++
			}
			if r.hasRecov {
				rec = append(rec, r.recovery)
				maxRatio = max(maxRatio, float64(r.recovery)/float64(r.lease))
			}
		}
		if n == 0 {
			continue
		}
		totalN += n
		total.overlaps += overlaps
		total.doubles += doubles
		total.dbOverlaps += dbo
		total.dbLate += dbl
		total.frozen += frozen
		total.reruns += reruns
		total.hangs += hangs
		total.errors += errs
		totalCrashes += crashes
		p50, p95, mx := "–", "–", "–"
		ratio := "–"
		if len(rec) > 0 {
			slices.Sort(rec)
			p50, p95, mx = ms(quantile(rec, 0.5)), ms(quantile(rec, 0.95)), ms(rec[len(rec)-1])
			ratio = fmt.Sprintf("%.2f", maxRatio)
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s | %s | %s |\n", f, n, pooled, overlaps, doubles, dbo, dbl, hangs, errs, crashes, reruns, frozen, len(rec), p50, p95, mx, ratio)
	}
	fmt.Fprintf(&b, "| **all** | %d | | **%d** | **%d** | **%d** | **%d** | **%d** | **%d** | %d | %d | %d | | | | | |\n", totalN, total.overlaps, total.doubles, total.dbOverlaps, total.dbLate, total.hangs, total.errors, totalCrashes, total.reruns, total.frozen)
	var direct, pooled [2]int // trials, trials with other errors
	for _, r := range rs {
		side := &direct
		if r.pooled {
			side = &pooled
		}
		side[0]++
		if r.errors > 0 {
			side[1]++
		}
	}
	fmt.Fprintf(&b, "\ntrials with other errors: %d of %d direct, %d of %d via PgBouncer\n", direct[1], direct[0], pooled[1], pooled[0])
	fmt.Fprintln(&b, "\noverlaps: two steps alive at once (each step holds a flock; the kernel says). runs after a recorded success: a step started after the ledger said succeeded. "+
		"DB: each step writes a row every ~50 ms through its own session, named by runonce with the run's identity, stamped with the server's clock_timestamp() just before it commits; interleaved: two runs' writes interleave; after the success: a write stamped after the version's recorded success. "+
		"frozen step ran on: in a SIGSTOP trial, the frozen holder's step process was still alive (frozen) when the next step started — documented, its database sessions had been ended. "+
		"Both must be 0, and so must hangs (a replica alive past wait-timeout + 3 leases + step + 10 s) and other errors (an exit status or ledger row that does not match what happened, a password in the output). "+
		"PgBouncer crashed: PgBouncer itself died during the trial and was started again for the next (1.18, Debian 12's, dies with \"FATAL in disconnect_client(): bad client state: 0\" when a client leaves mid-query, pgbouncer#801, fixed in 1.19.1); that trial's other errors are the outage's and not counted, its overlaps, runs after a success and hangs are. "+
		"re-runs of an unrecorded success: the fault cut the holder off in the last 2×lease/5 of its step or before its result committed; the step's work was done, the ledger could not say so, and the next holder ran it again, after — documented, not an overlap.")
	fmt.Fprintln(&b, "\nrecovery: from the fault to the next step start by another replica (down at start: from the database coming up; step fails once: from the failure); – where the fault left nothing to recover (it struck before or after the step).")
	return b.String()
}

// trialRecord is a trialResult as -soak.results writes it: several
// processes, each running a range of trials (-soak.from), make one table.
type trialRecord struct {
	Trial    int           `json:"trial"`
	Seed     uint64        `json:"seed"`
	Fault    fault         `json:"fault"`
	Pooled   bool          `json:"pooled"`
	Replicas int           `json:"replicas"`
	Lease    time.Duration `json:"lease_ns"`
	Overlaps int           `json:"overlaps"`
	Doubles  int           `json:"doubles"`
	DBOver   int           `json:"db_overlaps"`
	DBLate   int           `json:"db_late"`
	Frozen   int           `json:"frozen"`
	Reruns   int           `json:"reruns"`
	Hangs    int           `json:"hangs"`
	Errors   int           `json:"errors"`
	Crashed  bool          `json:"pgbouncer_crashed,omitempty"`
	Recovery time.Duration `json:"recovery_ns"`
	HasRecov bool          `json:"has_recovery"`
	Wall     time.Duration `json:"wall_ns"`
	Problems []string      `json:"problems,omitempty"`
}

func appendRecord(path string, i int, seed uint64, r trialResult) error {
	b, err := json.Marshal(trialRecord{Trial: i, Seed: seed, Fault: r.fault, Pooled: r.pooled, Replicas: r.replicas, Lease: r.lease,
		Overlaps: r.overlaps, Doubles: r.doubles, DBOver: r.dbOverlaps, DBLate: r.dbLate, Frozen: r.frozen, Reruns: r.reruns, Hangs: r.hangs, Errors: r.errors,
		Crashed: r.crashed, Recovery: r.recovery, HasRecov: r.hasRecov, Wall: r.wall, Problems: r.problems})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// TestSoakMerge prints the table of trials that several processes ran
// (-soak.merge a.jsonl,b.jsonl); it checks that no trial is missing or
// counted twice and that they share one seed.
func TestSoakMerge(t *testing.T) {
	if *soakMerge == "" {
		t.Skip("merges soak results with -soak.merge=FILE,FILE or RUNONCE_SOAK_MERGE")
	}
	seen := map[int]bool{}
	var seeds []uint64
	var results []trialResult
	var wall time.Duration
	for _, path := range strings.Split(*soakMerge, ",") {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var rec trialRecord
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if seen[rec.Trial] {
				t.Fatalf("trial %d appears twice", rec.Trial)
			}
			seen[rec.Trial] = true
			if !slices.Contains(seeds, rec.Seed) {
				seeds = append(seeds, rec.Seed)
			}
			wall += rec.Wall
			results = append(results, trialResult{fault: rec.Fault, pooled: rec.Pooled, replicas: rec.Replicas, lease: rec.Lease,
				overlaps: rec.Overlaps, doubles: rec.Doubles, dbOverlaps: rec.DBOver, dbLate: rec.DBLate, frozen: rec.Frozen, reruns: rec.Reruns, hangs: rec.Hangs, errors: rec.Errors,
				crashed: rec.Crashed, recovery: rec.Recovery, hasRecov: rec.HasRecov, wall: rec.Wall, problems: rec.Problems})
		}
	}
	if len(seeds) != 1 {
		t.Fatalf("results of seeds %v: one table is one seed", seeds)
	}
	for i := range len(seen) {
		if !seen[i] {
			t.Errorf("trial %d is missing: the files hold %d trials, not 0…%d", i, len(seen), len(seen)-1)
		}
	}
	table := soakTable(results, seeds[0], wall)
	t.Logf("\n%s", table)
	if *soakOut != "" {
		if err := os.WriteFile(*soakOut, []byte(table), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// poolerCrash is the FATAL line of a PgBouncer log, or its last line.
func poolerCrash(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	for _, l := range lines {
		if strings.Contains(l, "FATAL") {
			return strings.TrimSpace(l)
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted)-1) + 0.5)
	return sorted[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }
