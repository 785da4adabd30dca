package runonce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// SQLSTATEs that a connection attempt may meet while a fleet starts: the
// server is full (300 replicas against max_connections=50) or still starting.
// They are retried until WaitTimeout.
const (
	sqlTooManyConnections = "53300"
	sqlCannotConnectNow   = "57P03"
	sqlUndefinedTable     = "42P01"
	sqlInvalidSchema      = "3F000"
	sqlInvalidPassword    = "28P01"
	sqlInvalidAuth        = "28000"
	sqlInvalidCatalog     = "3D000"
	sqlIdleInTxTimeout    = "25P03"
	sqlAdminShutdown      = "57P01"
)

// connectTimeout bounds one connection attempt when the DSN sets none, so a
// black-holed host costs seconds, not the OS's TCP timeout.
const connectTimeout = 10 * time.Second

// connConfig copies base and names the connection for pg_stat_activity.
func connConfig(base *pgx.ConnConfig, o Options) *pgx.ConnConfig {
	cfg := base.Copy()
	if cfg.RuntimeParams == nil {
		cfg.RuntimeParams = map[string]string{}
	}
	cfg.RuntimeParams["application_name"] = applicationName(LockKey(o.Schema, o.Name), o.Holder)
	// runonce's own connections keep their notifications for themselves: a
	// caller's OnNotification would take the waiter's NOTIFY away from
	// WaitForNotification (which then returned nothing, and the waiter
	// dereferenced it).
	cfg.OnNotification = nil
	if cfg.ValidateConnect == nil && len(cfg.Fallbacks) > 0 {
		// Several hosts (host=pg-0,pg-1): pgx takes the first that accepts
		// the connection, a standby included, and moves on when one is
		// full or starting. Like target_session_attrs=primary, take only a
		// primary; a DSN that sets target_session_attrs keeps its own, and
		// the probe still refuses a standby.
		cfg.ValidateConnect = pgconn.ValidateConnectTargetSessionAttrsPrimary
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	// Unnamed statements only: one round trip per query, and nothing that a
	// transaction-mode pooler could hand to the wrong server connection.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	if o.TransactionPooler {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	cfg.StatementCacheCapacity = 0
	cfg.DescriptionCacheCapacity = 0
	// A cancelled wait (the holder waits on its lock connection between
	// heartbeats) must only end the wait. pgx's default does that, with a
	// read deadline; a cancel request, as some callers configure, could
	// instead reach the server during the next heartbeat, cancel it, and
	// fence a healthy holder.
	cfg.BuildContextWatcherHandler = func(pgConn *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: pgConn.Conn()}
	}
	return cfg
}

// applicationName is how runonce's sessions show in pg_stat_activity, and
// how a new holder finds an earlier holder's sessions (see handover):
// "runonce/KEY/HOLDER", KEY the lock key in hex (it stands for the schema and
// the step name, which `runonce status` shows beside it) and HOLDER with
// every byte outside printable ASCII (and '%') escaped as %XX, cut to
// PostgreSQL's 63 bytes. PostgreSQL stores exactly that string: it escapes
// non-ASCII application names itself, differently across versions, and cuts
// longer ones, so a name built from the raw step name and holder would not
// match what it shows.
func applicationName(key int64, holder string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%016x/", appNamePrefix, uint64(key))
	for i := 0; i < len(holder) && b.Len() < maxAppName; i++ {
		c := holder[i]
		if c < 0x20 || c > 0x7e || c == '%' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	s := b.String()
	if len(s) > maxAppName {
		s = s[:maxAppName]
	}
	return s
}

const (
	appNamePrefix = "runonce/"
	maxAppName    = 63 // NAMEDATALEN - 1
)

// retryable says whether a connection error may go away by itself: the server
// is full or starting, restarting, or not yet listening.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case sqlTooManyConnections, sqlCannotConnectNow, sqlAdminShutdown:
			return true
		}
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		// A name that does not exist is a typo, not a server starting; but
		// a resolver that timed out, or a name not yet published (a Service
		// created a moment ago), may come right.
		return dnsErr.IsTimeout || dnsErr.IsTemporary || dnsErr.IsNotFound && !strings.Contains(dnsErr.Name, ".")
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
		return true
	}
	for _, e := range platformRetryable {
		if errors.Is(err, e) {
			return true
		}
	}
	// The server closed the connection mid-handshake: it is shutting down
	// or restarting (the fault suite's soak met "failed SASL auth:
	// unexpected EOF" during a restart and gave up with 69).
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		// pgconn's own ConnectTimeout, not ours (ours is checked first).
		return true
	}
	return false
}

// connect opens one connection, retrying what may go away by itself until
// ctx ends. Retries are logged at most every 5 seconds. With once set it
// makes one attempt and returns a retryable error as errRetry.
func connect(ctx context.Context, cfg *pgx.ConnConfig, log *slog.Logger, once bool) (*pgx.Conn, error) {
	delay := 50 * time.Millisecond
	var lastLog time.Time
	var lastErr error
	giveUp := func(err error) error {
		if lastErr != nil {
			err = lastErr // the reason, rather than our own deadline
		}
		return fmt.Errorf("%w (the database did not answer in time): %w", ErrWaitTimeout, newConnectError(cfg, err))
	}
	for attempt := 1; ; attempt++ {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			return conn, nil
		}
		if ctx.Err() != nil {
			return nil, giveUp(err)
		}
		lastErr = err
		if errors.Is(err, pgconn.ErrStandbyConnection) && !anotherHostMayServe(err) {
			return nil, fmt.Errorf("%w: %s", ErrRefused, errStandbyText)
		}
		if !retryable(err) {
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, newConnectError(cfg, err))
		}
		if once {
			return nil, fmt.Errorf("%w: %w", errRetry, newConnectError(cfg, err))
		}
		if time.Since(lastLog) > 5*time.Second {
			log.Warn("database not ready, retrying", "attempt", attempt, "reason", describeConnectError(cfg, err))
			lastLog = time.Now()
		}
		if err := sleep(ctx, jitter(delay)); err != nil {
			return nil, giveUp(err)
		}
		delay = min(delay*2, 2*time.Second)
	}
}

// anotherHostMayServe says whether, of the hosts a DSN lists, one that is
// not a standby failed in a way that may go away (down, full, starting):
// during a failover the primary comes back or a standby is promoted, so
// the attempt is retried within WaitTimeout rather than refused.
func anotherHostMayServe(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		j, ok := e.(interface{ Unwrap() []error })
		if !ok {
			continue
		}
		for _, x := range j.Unwrap() {
			if !errors.Is(x, pgconn.ErrStandbyConnection) && retryable(x) {
				return true
			}
		}
		return false
	}
	return false
}

// errStandbyText is why a hot standby is refused.
const errStandbyText = "the server is a hot standby (pg_is_in_recovery() is true): advisory locks there do not exclude the primary"

// errRetry says an attempt should start over: a connection broke or could not
// be had for now. Do retries it until WaitTimeout.
var errRetry = errors.New("retry")

// connectError is a failed connection attempt, described without the
// password; it wraps pgconn's error so that callers can read its SQLSTATE.
type connectError struct {
	desc string
	err  error
}

func newConnectError(cfg *pgx.ConnConfig, err error) *connectError {
	return &connectError{desc: describeConnectError(cfg, err), err: err}
}

func (e *connectError) Error() string { return e.desc }
func (e *connectError) Unwrap() error { return e.err }

// describeConnectError says what went wrong and what to do, without the
// password (pgconn's messages name user, database and host only).
func describeConnectError(cfg *pgx.ConnConfig, err error) string {
	where := fmt.Sprintf("database %q on %s:%d as user %q", cfg.Database, cfg.Host, cfg.Port, cfg.User)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case sqlInvalidPassword, sqlInvalidAuth:
			return fmt.Sprintf("cannot log in to %s: %s (SQLSTATE %s)", where, pgErr.Message, pgErr.Code)
		case sqlInvalidCatalog:
			return fmt.Sprintf("cannot connect to %s: the database does not exist (SQLSTATE %s); create it or fix the database name in the DSN", where, pgErr.Code)
		case sqlTooManyConnections:
			return fmt.Sprintf("server for %s is full (SQLSTATE %s)", where, pgErr.Code)
		case sqlCannotConnectNow:
			return fmt.Sprintf("server for %s is starting up (SQLSTATE %s)", where, pgErr.Code)
		}
		return fmt.Sprintf("cannot connect to %s: %s (SQLSTATE %s)", where, pgErr.Message, pgErr.Code)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Sprintf("cannot connect to %s: host %q not found; check the host in the DSN", where, dnsErr.Name)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Sprintf("cannot connect to %s: connection refused; is the server running and listening there?", where)
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("cannot connect to %s: no answer (timed out); check the host, port and network", where)
	}
	return fmt.Sprintf("cannot connect to %s: %s", where, oneLine(err.Error()))
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// jitter spreads d over [d/2, 3d/2) so a fleet started together does not poll
// in lock-step.
func jitter(d time.Duration) time.Duration {
	return d/2 + time.Duration(rand.Int64N(int64(d)+1))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isConnError says whether err means the connection is gone (as opposed to a
// statement failing on a healthy connection).
func isConnError(conn *pgx.Conn, err error) bool {
	if err == nil {
		return false
	}
	if conn.IsClosed() {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Severity == "FATAL" || pgErr.Severity == "PANIC" || strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == sqlAdminShutdown
	}
	return true
}
