package report

// Result is one lab run of one deployment strategy.
type Result struct {
	// Lab is "race", "fix", or "compare/STRATEGY" inside a comparison.
	Lab string `json:"lab"`
	// Title says in a phrase what was deployed.
	Title    string `json:"title"`
	Runtime  string `json:"runtime"`
	Postgres string `json:"postgres"`
	Replicas int    `json:"replicas"`
	// Strategy is how replicas install the schema: no-lock, post-lock-table,
	// goose-session-locker, runonce.
	Strategy    string  `json:"strategy"`
	CreateIndex bool    `json:"create_index"`
	Backfill    float64 `json:"backfill_seconds"`
	// ReplicaOutcomes has one entry per replica, in replica order.
	ReplicaOutcomes []Replica `json:"replica_outcomes"`
	// RunsOfStep is how often the one-time step ran, counted by the
	// database (migration_runs).
	RunsOfStep int `json:"runs_of_step"`
	// Crashes counts non-zero exits of any container of any replica.
	Crashes int `json:"crashes"`
	// Hangs counts replicas still neither ready nor crash-looping when the
	// run was ended; Hang says why, when the database showed it.
	Hangs int    `json:"hangs"`
	Hang  string `json:"hang,omitempty"`
	// SecondsToLastReady is from the release to the last replica's
	// readiness; nil when some replica never became ready.
	SecondsToLastReady *float64 `json:"seconds_to_last_ready"`
	// Seconds is how long the run took until it settled or was ended.
	Seconds float64 `json:"seconds"`
	// PeakConnections is the most client connections to the lab's
	// database seen at once (pg_stat_activity, sampled every 50 ms).
	PeakConnections int `json:"peak_connections"`
	// DBOK is true when the database is exactly as designed; DBProblems
	// lists what differs.
	DBOK       bool     `json:"db_ok"`
	DBProblems []string `json:"db_problems"`
	// Verdict is the last line of the text report.
	Verdict string `json:"verdict"`
	// Showed is whether the lab showed what it exists to show (race: the
	// race reproduced; fix: fixed).
	Showed bool `json:"showed"`
	// Notes are lines printed under the header (e.g. that the race window
	// was widened on purpose).
	Notes []string `json:"notes,omitempty"`
}

// Outcome is how a replica ended.
type Outcome string

// Outcomes, from the replica's final state.
const (
	// Ran: ready, and this replica ran the one-time step.
	Ran Outcome = "ran"
	// Skipped: ready without running the step.
	Skipped Outcome = "skipped"
	// Crashed: gave up after crashing over and over (CrashLoopBackOff).
	Crashed Outcome = "crashed"
	// Hung: neither ready nor crash-looping when the run ended.
	Hung Outcome = "hung"
)

// Replica is one replica's outcome and timeline.
type Replica struct {
	Name    string  `json:"name"`
	Outcome Outcome `json:"outcome"`
	// RanStep is how often this replica ran the one-time step (database).
	RanStep        int      `json:"ran_step"`
	Restarts       int      `json:"restarts"`
	Crashes        int      `json:"crashes"`
	Ready          bool     `json:"ready"`
	SecondsToReady *float64 `json:"seconds_to_ready"`
	Events         []Event  `json:"events"`
}

// Event is one step of a replica's timeline.
type Event struct {
	// At is seconds from the release of all replicas.
	At   float64 `json:"t"`
	Kind string  `json:"kind"`
	// Container is set for container events ("migrate", "app").
	Container string `json:"container,omitempty"`
	Init      bool   `json:"init,omitempty"`
	ExitCode  *int   `json:"exit_code,omitempty"`
	Detail    string `json:"detail,omitempty"`
}

// Comparison is lab:compare: several strategies, each deployed the same way.
type Comparison struct {
	Lab      string  `json:"lab"`
	Runtime  string  `json:"runtime"`
	Postgres string  `json:"postgres"`
	Replicas int     `json:"replicas"`
	Backfill float64 `json:"backfill_seconds"`
	// Rows are the table, one per strategy and CREATE INDEX setting.
	Rows []Row `json:"rows"`
	// Runs are the full results behind the rows, in the same order.
	Runs    []Result `json:"runs"`
	Verdict string   `json:"verdict"`
	Showed  bool     `json:"showed"`
	Notes   []string `json:"notes,omitempty"`
}

// Row is one line of the comparison table.
type Row struct {
	Strategy    string `json:"strategy"`
	CreateIndex bool   `json:"create_index"`
	// Failures counts crashes (non-zero exits).
	Failures int `json:"failures"`
	// DoubleRuns is how many times the one-time step ran beyond once.
	DoubleRuns int `json:"double_runs"`
	Hangs      int `json:"hangs"`
	// SecondsToLastReady is nil when some replica never became ready.
	SecondsToLastReady *float64 `json:"seconds_to_last_ready"`
	PeakConnections    int      `json:"peak_connections"`
	RunsOfStep         int      `json:"runs_of_step"`
	DBOK               bool     `json:"db_ok"`
	DBProblems         []string `json:"db_problems"`
	// Hang says why the run hung, when it did.
	Hang string `json:"hang,omitempty"`
}
