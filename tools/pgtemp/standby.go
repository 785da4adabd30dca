package pgtemp

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// StartStandby makes a hot standby of s with pg_basebackup -R (streaming
// replication from s) and starts it on a free port, returning once it
// accepts read-only connections. It has s's user, password, database and
// settings; pg_is_in_recovery() is true there. Stop it before s.
func (s *Server) StartStandby(ctx context.Context) (*Server, error) {
	opts := s.opts
	opts.Port = 0
	sb := &Server{opts: opts, bin: s.bin, cred: s.cred, log: s.log}
	if err := sb.makeDirs(); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(sb.base)
		}
	}()
	t0 := time.Now()
	cmd := sb.command(ctx, "pg_basebackup",
		"-D", sb.dataDir, "-R", "-X", "stream", "-c", "fast", "--no-sync",
		"-h", "127.0.0.1", "-p", strconv.Itoa(s.opts.Port), "-U", s.opts.User, "-w")
	cmd.Env = append(cmd.Env, "PGPASSWORD="+s.opts.Password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgtemp: pg_basebackup from port %d: %w\n%s", s.opts.Port, err, tail(out, 20))
	}
	if _, err := os.Stat(filepath.Join(sb.dataDir, "standby.signal")); err != nil {
		return nil, fmt.Errorf("pgtemp: pg_basebackup -R wrote no standby.signal: %w", err)
	}
	if err := sb.startOnPort(ctx, 0); err != nil {
		return nil, err
	}
	sb.log.Info("standby started", "port", sb.opts.Port, "primary_port", s.opts.Port, "took", time.Since(t0).Round(time.Millisecond))
	ok = true
	return sb, nil
}
