package pgtemp

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options configure a server. The zero value is a working test server.
type Options struct {
	// BinDir is the folder holding initdb and postgres. Defaults to the
	// first one found (see the package doc).
	BinDir string
	// Port to listen on at 127.0.0.1. Defaults to a free port.
	Port int
	// User is the superuser's name. Defaults to "postgres".
	User string
	// Password of the superuser, required over TCP (scram-sha-256); the unix
	// socket trusts local users. Defaults to a random one.
	Password string
	// Database is created at start when it is not "postgres". Defaults to
	// "postgres".
	Database string
	// Settings are extra server settings (-c name=value), e.g.
	// {"max_connections": "50"}. They override the defaults for tests.
	Settings map[string]string
	// RunAs is the unprivileged user that runs initdb and postgres when the
	// current user is root. Defaults to "postgres" where it exists, else
	// "nobody". Ignored when not root.
	RunAs string
	// Logger receives progress. Defaults to discarding.
	Logger *slog.Logger
}

// defaultSettings favour speed over durability: the data directory is thrown
// away at Stop, so a crash losing it costs nothing.
var defaultSettings = map[string]string{
	"fsync":              "off",
	"synchronous_commit": "off",
	"full_page_writes":   "off",
	"max_connections":    "200",
	"listen_addresses":   "127.0.0.1",
	"log_min_messages":   "warning",
	"shared_buffers":     "32MB",
}

// Server is a running throwaway PostgreSQL. Its methods are safe for
// concurrent use.
type Server struct {
	opts    Options
	bin     string
	base    string // removed at Stop
	dataDir string
	sockDir string
	logPath string
	cred    *account // who runs the server's processes; nil: ourselves
	log     *slog.Logger

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// Start initialises a data directory and starts the server, returning once it
// accepts connections. Call Stop to end it and remove its files.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if err := checkPlatform(); err != nil {
		return nil, err
	}
	if opts.User == "" {
		opts.User = "postgres"
	}
	if opts.Database == "" {
		opts.Database = "postgres"
	}
	if opts.Password == "" {
		opts.Password = randomHex(12)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bin := opts.BinDir
	if bin == "" {
		var err error
		if bin, err = FindBinDir(); err != nil {
			return nil, err
		}
	}
	s := &Server{opts: opts, bin: bin, log: log}
	cred, err := credentialFor(opts.RunAs)
	if err != nil {
		return nil, err
	}
	s.cred = cred
	if err := s.makeDirs(); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(s.base)
		}
	}()
	t0 := time.Now()
	if err := s.initdb(ctx); err != nil {
		return nil, err
	}
	log.Debug("initdb done", "took", time.Since(t0).Round(time.Millisecond))

	if err := s.startOnPort(ctx, opts.Port); err != nil {
		return nil, err
	}
	if opts.Database != "postgres" {
		if err := s.CreateDatabase(ctx, opts.Database); err != nil {
			_ = s.Stop()
			return nil, err
		}
	}
	log.Info("postgres started", "port", s.opts.Port, "took", time.Since(t0).Round(time.Millisecond))
	ok = true
	return s, nil
}

// DSN is a URL for the server's database over TCP, password included: give
// it to programs, never print it (see [Server.SafeDSN]).
func (s *Server) DSN() string { return s.DSNFor(s.opts.Database) }

// DSNFor is the URL of another database on the same server.
func (s *Server) DSNFor(database string) string { return s.dsn(database, s.opts.Password) }

func (s *Server) dsn(database, password string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(s.opts.User, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(s.opts.Port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// SafeDSN is DSN with the password masked, for logs and output.
func (s *Server) SafeDSN() string { return s.dsn(s.opts.Database, "xxxxx") }

// Port is the TCP port the server listens on at 127.0.0.1.
func (s *Server) Port() int { return s.opts.Port }

// User is the superuser's name.
func (s *Server) User() string { return s.opts.User }

// Password is the superuser's password.
func (s *Server) Password() string { return s.opts.Password }

// DataDir is the server's data directory.
func (s *Server) DataDir() string { return s.dataDir }

// BinDir is the folder of the server binaries in use.
func (s *Server) BinDir() string { return s.bin }

// CreateDatabase creates a database owned by the superuser.
func (s *Server) CreateDatabase(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, s.DSNFor("postgres"))
	if err != nil {
		return fmt.Errorf("pgtemp: connect to create database %q: %w", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("pgtemp: create database %q: %w", name, err)
	}
	return nil
}

// ShutdownMode says how [Server.Stop] and [Server.Restart] end the server:
// the three modes of pg_ctl stop.
type ShutdownMode int

const (
	// Fast (SIGINT) rolls back open transactions and disconnects clients.
	Fast ShutdownMode = iota
	// Immediate (SIGQUIT) ends every process at once, like a crash; the
	// next start runs recovery.
	Immediate
	// Smart (SIGTERM) waits for clients to disconnect.
	Smart
)

// Shutdown ends the server process in the given mode but keeps its files, so
// that Resume can start it again on the same port: a database restart as a
// fault.
func (s *Server) Shutdown(mode ShutdownMode) error {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	sig := map[ShutdownMode]syscall.Signal{Fast: syscall.SIGINT, Immediate: syscall.SIGQUIT, Smart: syscall.SIGTERM}[mode]
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
		return nil
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		return fmt.Errorf("pgtemp: server did not stop within 30s after %v; killed", sig)
	}
}

// Resume starts a server stopped by Shutdown again, on the same port and
// data directory.
func (s *Server) Resume(ctx context.Context) error { return s.start(ctx) }

// Restart is Shutdown then Resume.
func (s *Server) Restart(ctx context.Context, mode ShutdownMode) error {
	if err := s.Shutdown(mode); err != nil {
		return err
	}
	return s.Resume(ctx)
}

// Stop ends the server (fast shutdown) and removes its files.
func (s *Server) Stop() error {
	err := s.Shutdown(Fast)
	if rmErr := os.RemoveAll(s.base); rmErr != nil && err == nil {
		err = fmt.Errorf("pgtemp: remove %s: %w", s.base, rmErr)
	}
	return err
}

// account is an unprivileged user that runs the server's processes when
// pgtemp runs as root.
type account struct{ uid, gid int }

// credentialFor picks who runs the server: nil (ourselves) unless root. On a
// Mac (and on Windows, where Geteuid is -1) users are not root, so nothing
// is dropped there.
func credentialFor(name string) (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	names := []string{name}
	if name == "" {
		names = []string{"postgres", "nobody"}
	}
	for _, n := range names {
		u, err := user.Lookup(n)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if uid == 0 {
			continue
		}
		return &account{uid: uid, gid: gid}, nil
	}
	return nil, fmt.Errorf("pgtemp: running as root, and PostgreSQL refuses root; no unprivileged user %v to run it as: create one (useradd -r postgres) or run as a normal user", names)
}

func (s *Server) makeDirs() error {
	// The server's user must reach these folders; a TMPDIR under /root
	// (mode 0700) would not do, so fall back to /tmp when running as root.
	parent := os.TempDir()
	if s.cred != nil && !worldTraversable(parent) {
		parent = "/tmp"
	}
	base, err := os.MkdirTemp(parent, "pgtemp-")
	if err != nil {
		return fmt.Errorf("pgtemp: make temp dir: %w", err)
	}
	s.base = base
	s.dataDir = filepath.Join(base, "data")
	// Socket paths are limited to ~107 bytes; keep this one short.
	s.sockDir = filepath.Join(base, "s")
	s.logPath = filepath.Join(base, "server.log")
	for _, d := range []string{s.sockDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return fmt.Errorf("pgtemp: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(base, "pw"), []byte(s.opts.Password+"\n"), 0o600); err != nil {
		return fmt.Errorf("pgtemp: %w", err)
	}
	if s.cred != nil {
		if err := os.Chmod(base, 0o711); err != nil {
			return fmt.Errorf("pgtemp: %w", err)
		}
		for _, p := range []string{base, s.sockDir, filepath.Join(base, "pw")} {
			if err := os.Chown(p, s.cred.uid, s.cred.gid); err != nil {
				return fmt.Errorf("pgtemp: give %s to the server's user: %w", p, err)
			}
		}
	}
	return nil
}

func worldTraversable(dir string) bool {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

func (s *Server) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, name), args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	cmd.Dir = s.base
	cmd.SysProcAttr = sysProcAttr(s.cred)
	return cmd
}

func (s *Server) initdb(ctx context.Context) error {
	cmd := s.command(ctx, "initdb",
		"-D", s.dataDir, "-U", s.opts.User, "--pwfile", filepath.Join(s.base, "pw"),
		"--auth-local=trust", "--auth-host=scram-sha-256",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtemp: initdb: %w\n%s", err, tail(out, 20))
	}
	return nil
}

var errPortInUse = errors.New("port in use")

// startOnPort starts the server on port, or on a free one when port is 0.
// A free port found by listening on :0 can be taken by another server
// between our check and postgres binding it (parallel test packages); it
// retries with a new port when that happens.
func (s *Server) startOnPort(ctx context.Context, port int) error {
	for attempt := 0; ; attempt++ {
		p := port
		if p == 0 {
			var err error
			if p, err = freePort(); err != nil {
				return err
			}
		}
		s.opts.Port = p
		err := s.start(ctx)
		if err == nil {
			return nil
		}
		if port != 0 || attempt >= 4 || !errors.Is(err, errPortInUse) {
			return err
		}
		s.log.Debug("port taken, retrying", "port", p)
	}
}

func (s *Server) start(ctx context.Context) error {
	args := []string{"-D", s.dataDir, "-p", strconv.Itoa(s.opts.Port), "-k", s.sockDir}
	settings := map[string]string{}
	for k, v := range defaultSettings {
		settings[k] = v
	}
	for k, v := range s.opts.Settings {
		settings[k] = v
	}
	keys := make([]string, 0, len(settings))
	for k := range settings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		args = append(args, "-c", k+"="+settings[k])
	}
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("pgtemp: %w", err)
	}
	// Not CommandContext: the server outlives the ctx that started it.
	cmd := s.command(context.Background(), "postgres", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("pgtemp: start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		logf.Close()
		close(done)
	}()
	s.mu.Lock()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-done:
			s.mu.Lock()
			s.cmd = nil
			s.mu.Unlock()
			log, _ := os.ReadFile(s.logPath)
			if bytes.Contains(log, []byte("Address already in use")) {
				return errPortInUse
			}
			return fmt.Errorf("pgtemp: postgres exited at start:\n%s", tail(log, 20))
		case <-ctx.Done():
			_ = s.Shutdown(Immediate)
			return fmt.Errorf("pgtemp: waiting for postgres to start: %w", ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
		if s.ready(ctx) {
			return nil
		}
		if time.Now().After(deadline) {
			_ = s.Shutdown(Immediate)
			log, _ := os.ReadFile(s.logPath)
			return fmt.Errorf("pgtemp: postgres not ready after 30s:\n%s", tail(log, 20))
		}
	}
}

func (s *Server) ready(ctx context.Context) bool {
	cctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, s.DSNFor("postgres"))
	if err != nil {
		return false
	}
	_ = conn.Close(cctx)
	return true
}

// Log returns the server's log so far (useful in test failures).
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logPath)
	return string(b)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtemp: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = io.ReadFull(rand.Reader, b)
	return hex.EncodeToString(b)
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
