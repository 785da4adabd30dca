package pgtemp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoPgBouncer is returned by [Server.StartPgBouncer] when no pgbouncer
// binary is found. Its message says how to install one.
var ErrNoPgBouncer = errors.New("pgbouncer not found (looked in $PATH, /usr/sbin and /usr/local/sbin); " +
	"install it with `apt-get install -y pgbouncer` (Debian/Ubuntu) or `brew install pgbouncer` (macOS)")

// PgBouncerOptions configure a PgBouncer in front of a [Server].
type PgBouncerOptions struct {
	// PoolMode is "session", "transaction" or "statement". Defaults to
	// "transaction", the mode that breaks session-level advisory locks.
	PoolMode string
	// PoolSize is the number of server connections per (database, user)
	// (default_pool_size). Defaults to 3.
	PoolSize int
	// MaxClientConn defaults to 1000.
	MaxClientConn int
	// Users are extra roles (name → password) allowed through, besides the
	// server's superuser.
	Users map[string]string
	// Settings are extra [pgbouncer] settings, overriding the defaults.
	Settings map[string]string
}

// PgBouncer is a running PgBouncer in front of a Server: every database of
// the server is reachable through it (a "*" fallback entry), clients and
// PgBouncer both authenticate with scram-sha-256.
type PgBouncer struct {
	srv  *Server
	port int
	base string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
}

// FindPgBouncer returns the path of the pgbouncer binary or ErrNoPgBouncer.
func FindPgBouncer() (string, error) {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer", "/opt/homebrew/bin/pgbouncer"} {
		if isExec(p) {
			return p, nil
		}
	}
	return "", ErrNoPgBouncer
}

// StartPgBouncer starts PgBouncer on a free port of 127.0.0.1 in front of s,
// as s's unprivileged user when running as root (PgBouncer, like PostgreSQL,
// refuses root), and returns once a client can connect through it. Stop it
// before s.
func (s *Server) StartPgBouncer(ctx context.Context, opts PgBouncerOptions) (*PgBouncer, error) {
	bin, err := FindPgBouncer()
	if err != nil {
		return nil, err
	}
	if opts.PoolMode == "" {
		opts.PoolMode = "transaction"
	}
	if opts.PoolSize == 0 {
		opts.PoolSize = 3
	}
	if opts.MaxClientConn == 0 {
		opts.MaxClientConn = 1000
	}
	parent := os.TempDir()
	if s.cred != nil && !worldTraversable(parent) {
		parent = "/tmp"
	}
	base, err := os.MkdirTemp(parent, "pgbouncer-")
	if err != nil {
		return nil, fmt.Errorf("pgtemp: make temp dir: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(base)
		}
	}()
	userlist, settings := s.pgBouncerConfig(opts, base)
	b := &PgBouncer{srv: s, base: base, log: settings["logfile"]}
	files := map[string]string{"userlist.txt": userlist}
	for attempt := 0; ; attempt++ {
		if b.port, err = freePort(); err != nil {
			return nil, err
		}
		settings["listen_port"] = strconv.Itoa(b.port)
		var ini strings.Builder
		fmt.Fprintf(&ini, "[databases]\n* = host=127.0.0.1 port=%d\n\n[pgbouncer]\n", s.opts.Port)
		for _, k := range sortedKeys(settings) {
			fmt.Fprintf(&ini, "%s = %s\n", k, settings[k])
		}
		files["pgbouncer.ini"] = ini.String()
		if err := writeOwned(base, files, s.cred); err != nil {
			return nil, err
		}
		err = b.start(ctx, bin)
		if err == nil {
			break
		}
		if attempt >= 4 || !errors.Is(err, errPortInUse) {
			return nil, err
		}
	}
	ok = true
	return b, nil
}

// pgBouncerConfig is PgBouncer's auth_file and its settings (all but the
// port, which each start attempt picks) for files in base.
func (s *Server) pgBouncerConfig(opts PgBouncerOptions, base string) (userlist string, settings map[string]string) {
	// auth_file with plain passwords: PgBouncer answers clients' SCRAM with
	// them and logs in to the server with them.
	users := map[string]string{s.opts.User: s.opts.Password}
	for u, p := range opts.Users {
		users[u] = p
	}
	var ul strings.Builder
	for _, u := range sortedKeys(users) {
		fmt.Fprintf(&ul, "%q %q\n", u, users[u])
	}
	settings = map[string]string{
		"listen_addr":               "127.0.0.1",
		"unix_socket_dir":           "",
		"auth_type":                 "scram-sha-256",
		"auth_file":                 filepath.Join(base, "userlist.txt"),
		"pool_mode":                 opts.PoolMode,
		"default_pool_size":         strconv.Itoa(opts.PoolSize),
		"max_client_conn":           strconv.Itoa(opts.MaxClientConn),
		"logfile":                   filepath.Join(base, "pgbouncer.log"),
		"pidfile":                   filepath.Join(base, "pgbouncer.pid"),
		"ignore_startup_parameters": "extra_float_digits",
		// After a server restart, try again within a second, not 15 s.
		"server_login_retry": "1",
		"log_connections":    "0",
		"log_disconnections": "0",
	}
	for k, v := range opts.Settings {
		settings[k] = v
	}
	return ul.String(), settings
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func writeOwned(dir string, files map[string]string, cred *account) error {
	if cred != nil {
		if err := os.Chown(dir, cred.uid, cred.gid); err != nil {
			return fmt.Errorf("pgtemp: give %s to PgBouncer's user: %w", dir, err)
		}
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			return fmt.Errorf("pgtemp: %w", err)
		}
		if cred != nil {
			if err := os.Chown(p, cred.uid, cred.gid); err != nil {
				return fmt.Errorf("pgtemp: give %s to PgBouncer's user: %w", p, err)
			}
		}
	}
	return nil
}

func (b *PgBouncer) start(ctx context.Context, bin string) error {
	// Not CommandContext: PgBouncer outlives the ctx that started it.
	cmd := exec.Command(bin, filepath.Join(b.base, "pgbouncer.ini"))
	cmd.Dir = b.base
	cmd.SysProcAttr = sysProcAttr(b.srv.cred)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtemp: start pgbouncer: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	b.cmd, b.done = cmd, done
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			log := out.String() + b.Log()
			if strings.Contains(log, "Address already in use") {
				return errPortInUse
			}
			return fmt.Errorf("pgtemp: pgbouncer exited at start:\n%s", tail([]byte(log), 20))
		case <-ctx.Done():
			_ = b.Stop()
			return fmt.Errorf("pgtemp: waiting for pgbouncer to start: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		if b.ready(ctx) {
			return nil
		}
		if time.Now().After(deadline) {
			_ = b.Stop()
			return fmt.Errorf("pgtemp: pgbouncer not ready after 30s:\n%s", tail([]byte(b.Log()), 20))
		}
	}
}

func (b *PgBouncer) ready(ctx context.Context) bool {
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, b.DSNFor("postgres"))
	if err != nil {
		return false
	}
	defer conn.Close(cctx)
	_, err = conn.Exec(cctx, "SELECT 1")
	return err == nil
}

// DSN is the URL of the server's database through PgBouncer, password
// included (see [Server.DSN]).
func (b *PgBouncer) DSN() string { return b.DSNFor(b.srv.opts.Database) }

// DSNFor is the URL of another database through PgBouncer.
func (b *PgBouncer) DSNFor(database string) string {
	return b.DSNAs(b.srv.opts.User, b.srv.opts.Password, database)
}

// DSNAs is the URL of database through PgBouncer as another user (one of
// PgBouncerOptions.Users).
func (b *PgBouncer) DSNAs(user, password, database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(user, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(b.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port is PgBouncer's port on 127.0.0.1.
func (b *PgBouncer) Port() int { return b.port }

// Exited reports whether PgBouncer has exited without [PgBouncer.Stop]: it
// crashed, and [PgBouncer.Log] says why.
func (b *PgBouncer) Exited() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

// Log returns PgBouncer's log so far.
func (b *PgBouncer) Log() string {
	out, _ := os.ReadFile(b.log)
	return string(out)
}

// Stop ends PgBouncer (immediate shutdown: clients are disconnected) and
// removes its files.
func (b *PgBouncer) Stop() error {
	var err error
	b.once.Do(func() {
		_ = b.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-b.done:
		case <-time.After(10 * time.Second):
			_ = b.cmd.Process.Kill()
			<-b.done
			err = errors.New("pgtemp: pgbouncer did not stop within 10s of SIGTERM; killed")
		}
		if rmErr := os.RemoveAll(b.base); rmErr != nil && err == nil {
			err = fmt.Errorf("pgtemp: remove %s: %w", b.base, rmErr)
		}
	})
	return err
}
