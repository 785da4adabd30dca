package app

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bloglabs/posts/internal/cli"
	"github.com/bloglabs/posts/runonce"
)

type config struct {
	dsn, dsnFile            string
	dsnFrom                 string // where the DSN came from, for messages: --dsn or RUNONCE_DSN
	name, version, holder   string
	schema                  string
	waitTimeout, runTimeout time.Duration
	lease, killGrace        time.Duration
	transactionPooler       bool
	logFormat, logLevel     string
	statusJSON              bool
	statusLimit             int
}

const (
	runUsage = `usage: runonce --name NAME [--version V] [flags] -- COMMAND [ARG...]
       runonce status [--name NAME]

Runs COMMAND once per (NAME, V) across all replicas; without --version, one replica at a time.
Every flag may also be set as RUNONCE_<FLAG>; a flag on the command line wins.`
	statusUsage = `usage: runonce status [--name NAME] [flags]

Shows the ledger, the holder and the waiters.
Every flag may also be set as RUNONCE_<FLAG>; a flag on the command line wins.`
)

// newFlags declares the flags. Their defaults are constants: values from the
// environment are applied after parsing (see applyEnv), so the usage text
// never shows one — RUNONCE_DSN carries a password.
func newFlags(c *config, status bool) *flag.FlagSet {
	name, usage := "runonce", runUsage
	if status {
		name, usage = "runonce status", statusUsage
	}
	fs := cli.NewFlagSet(name, usage)
	fs.StringVar(&c.dsn, "dsn", "", "PostgreSQL URL or key=value DSN (default: PG* environment variables)")
	fs.StringVar(&c.dsnFile, "dsn-file", "", "read the DSN from this file (e.g. a mounted Secret)")
	fs.StringVar(&c.name, "name", "", "name of the step, e.g. schema (required to run)")
	fs.StringVar(&c.schema, "schema", "runonce", "schema of the ledger table")
	fs.StringVar(&c.logFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	if status {
		fs.BoolVar(&c.statusJSON, "json", false, "print the status as JSON")
		fs.IntVar(&c.statusLimit, "limit", 20, "ledger rows to show per step")
		return fs
	}
	fs.StringVar(&c.version, "version", "", "run once per this version, e.g. the image tag (empty: serialize only, every caller runs)")
	fs.StringVar(&c.holder, "holder", "", "name of this replica in the ledger (default: host name, i.e. the pod name)")
	fs.DurationVar(&c.waitTimeout, "wait-timeout", 10*time.Minute, "give up waiting for the lock (and the database) after this long")
	fs.DurationVar(&c.runTimeout, "run-timeout", 0, "stop the command after this long (0: no limit)")
	fs.DurationVar(&c.lease, "lease", 15*time.Second, "the server frees the lock of a holder silent this long; heartbeats every lease/5")
	fs.DurationVar(&c.killGrace, "kill-grace", 0, "after SIGTERM, wait this long before SIGKILL (default: lease/3; at most lease/2)")
	fs.BoolVar(&c.transactionPooler, "transaction-pooler", false, "the DSN points at PgBouncer in transaction mode: do not LISTEN, only poll")
	return fs
}

// parse parses args, then applies RUNONCE_<FLAG> to the flags not given.
func parse(fs *flag.FlagSet, args []string, streams cli.Streams) error {
	if err := cli.Parse(fs, args, streams); err != nil {
		if cli.IsUsage(err) {
			// The flag package quotes the value it could not parse; a
			// value given to the wrong flag may be a DSN or a password.
			return cli.Usagef("%s", flagValue.ReplaceAllString(err.Error(), "invalid ${1}value (not shown) for"))
		}
		return err
	}
	return applyEnv(fs, os.LookupEnv)
}

// flagValue is how the flag package quotes a value it could not parse.
var flagValue = regexp.MustCompile(`invalid (boolean )?value "(?:[^"\\]|\\.)*" for`)

// applyEnv sets every flag not given on the command line from its
// RUNONCE_<FLAG> variable, if set and not empty. A value that does not parse
// is a usage error, as the same value given as a flag is; the message never
// repeats the value of RUNONCE_DSN.
func applyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := envName(f.Name)
		v, ok := lookup(env)
		if err != nil || given[f.Name] || !ok || v == "" {
			return
		}
		if serr := f.Value.Set(v); serr != nil {
			shown := fmt.Sprintf("%q", v)
			if strings.HasPrefix(f.Name, "dsn") {
				shown = "(value not shown)"
			}
			err = cli.Usagef("%s=%s: %v", env, shown, serr)
		}
	})
	return err
}

func envName(flagName string) string {
	return "RUNONCE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseRunFlags parses the run form's flags and checks what the library
// cannot: the command, the kill grace.
func parseRunFlags(args []string, streams cli.Streams) (config, []string, error) {
	var c config
	fs := newFlags(&c, false)
	if err := parse(fs, args, streams); err != nil {
		return c, nil, err
	}
	argv := fs.Args()
	if len(argv) == 0 {
		return c, nil, cli.Usagef("no command to run; usage: runonce --name NAME [--version V] -- COMMAND [ARG...]")
	}
	c.dsnFrom = sourceOf(fs, "dsn")
	if err := checkVersionGiven(fs, os.LookupEnv); err != nil {
		return c, nil, err
	}
	return c, argv, c.checkKillGrace()
}

// checkVersionGiven refuses a version given explicitly empty: an empty
// RUNONCE_VERSION is what a missing pod label makes of
// valueFrom.fieldRef, and it would silently turn "once per version" into
// "every replica, one at a time". No --version at all is serialize-only.
func checkVersionGiven(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "version" })
	if given && fs.Lookup("version").Value.String() == "" {
		return cli.Usagef("--version is empty; omit it to run every replica one at a time (serialize only)")
	}
	if v, ok := lookup("RUNONCE_VERSION"); ok && v == "" && !given {
		return cli.Usagef("RUNONCE_VERSION is set but empty (a missing pod label?); unset it to run every replica one at a time (serialize only)")
	}
	return nil
}

// checkKillGrace refuses a kill grace under which a stopped step could
// outlive the lock: a holder cut off from the server stops its step at most
// 2×lease/5 after its last heartbeat, and the server frees the lock at lease.
func (c *config) checkKillGrace() error {
	if c.lease != 0 && c.lease < time.Second {
		return nil // the library refuses it, with its reason
	}
	lease := c.lease
	if lease == 0 {
		lease = 15 * time.Second // the library's default, as --lease 0 means
	}
	bound := runonce.StopBound(lease)
	switch {
	case c.killGrace < 0:
		return cli.Usagef("--kill-grace %v is negative", c.killGrace)
	case c.killGrace == 0:
		c.killGrace = lease / 3
	case c.killGrace > bound:
		return cli.Usagef("--kill-grace %v leaves no margin under --lease %v: at most %v (lease/2); raise --lease or shorten --kill-grace", c.killGrace, c.lease, bound)
	}
	return nil
}

func sourceOf(fs *flag.FlagSet, name string) string {
	src := envName(name)
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			src = "--" + name
		}
	})
	return src
}

// connConfig reads the DSN from --dsn, --dsn-file or the PG* variables.
func (c config) connConfig() (*pgx.ConnConfig, error) {
	dsn, from := c.dsn, c.dsnFrom
	if c.dsnFile != "" {
		if dsn != "" {
			return nil, cli.Usagef("give --dsn or --dsn-file, not both")
		}
		b, err := os.ReadFile(c.dsnFile)
		if err != nil {
			return nil, cli.Usagef("read --dsn-file: %v", err)
		}
		dsn, from = strings.TrimSpace(string(b)), "--dsn-file"
	}
	if from == "" {
		from = "--dsn"
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, cli.Usagef("invalid DSN in %s: %s; expected postgres://user:password@host:5432/db or \"host=... user=... dbname=...\"", from, scrubDSN(err.Error(), dsn))
	}
	return cfg, nil
}
