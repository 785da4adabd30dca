//go:build unix

package workshop

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// commands are the names of the programs the exercises start (built into
// bin/ or by go run), the shells a run's steps run in, and PostgreSQL:
// reset stops nothing else.
var commands = []string{"pgtemp", "runonce", "demoapp", "lab", "cisim", "sleep", "psql", "go", "postgres", "bash"}

type proc struct {
	pid, pgid int
	name      string
	// start is when the process started, to the second (zero: unknown).
	start time.Time
}

// processes lists this machine's processes (ps -A: Linux and macOS).
func processes(ctx context.Context) ([]proc, error) {
	cmd := exec.CommandContext(ctx, "ps", "-A", "-o", "pid=", "-o", "pgid=", "-o", "lstart=", "-o", "comm=")
	cmd.Env = append(os.Environ(), "LC_ALL=C") // lstart in English: "Thu Dec  3 22:53:06 2026"
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("ps: %w", err)
	}
	var ps []proc
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 8 {
			continue
		}
		pid, err1 := strconv.Atoi(f[0])
		pgid, err2 := strconv.Atoi(f[1])
		if err1 == nil && err2 == nil {
			start, _ := time.ParseInLocation("Mon Jan 2 15:04:05 2006", strings.Join(f[2:7], " "), time.Local)
			ps = append(ps, proc{pid: pid, pgid: pgid, name: filepath.Base(strings.Join(f[7:], " ")), start: start})
		}
	}
	return ps, nil
}

// startedBy says whether p had started by at, when a file named it: a
// process that started later only reuses the number (a PID file left from
// yesterday, the machine's PIDs wrapped since). A minute's slack covers ps's
// whole seconds and a clock set since boot, from which ps derives start
// times.
func startedBy(p proc, at time.Time) bool {
	return p.start.IsZero() || at.IsZero() || !p.start.After(at.Add(time.Minute))
}

func ours(p proc) bool { return slices.Contains(commands, p.name) && p.pid != os.Getpid() }

// targets picks what to stop: a PID file's process (its whole job, when it
// leads a process group, as a shell's background job does), a recorded
// run's process group, processes working in dir and the postmasters of the
// servers on st.ports.
func targets(ps []proc, dir string, st started) (groups, pids []int) {
	byPID := map[int]proc{}
	for _, p := range ps {
		byPID[p.pid] = p
	}
	for _, n := range st.pids {
		if p, ok := byPID[n.id]; ok && ours(p) && p.name != "bash" && startedBy(p, n.at) {
			if p.pgid == n.id {
				groups = append(groups, n.id)
			} else {
				pids = append(pids, n.id)
			}
		}
	}
	for _, g := range st.groups {
		members := 0
		for _, p := range ps {
			if p.pgid == g.id && ours(p) && startedBy(p, g.at) {
				members++
			}
		}
		if members > 0 && g.id != syscall.Getpgrp() {
			groups = append(groups, g.id)
		}
	}
	for _, p := range ps {
		if ours(p) && p.name != "bash" && within(cwdOf(p.pid), dir) {
			pids = append(pids, p.pid)
		}
	}
	for _, pid := range postmasters(st.ports) {
		if p, ok := byPID[pid]; ok && p.name == "postgres" {
			pids = append(pids, pid)
		}
	}
	return groups, pids
}

func within(p, dir string) bool {
	return p != "" && (p == dir || strings.HasPrefix(p, dir+string(filepath.Separator)))
}

// stopStarted sends SIGTERM (pgtemp then removes its server; a postmaster
// shuts down) to what the exercises left running from dir, waits up to
// 10 s, then kills what is left.
func stopStarted(ctx context.Context, dir string, st started, w io.Writer) error {
	ps, err := processes(ctx)
	if err != nil {
		return err
	}
	groups, pids := targets(ps, dir, st)
	signal := func(sig syscall.Signal) (alive int) {
		for _, g := range groups {
			if syscall.Kill(-g, sig) == nil {
				alive++
			}
		}
		for _, p := range pids {
			if syscall.Kill(p, sig) == nil {
				alive++
			}
		}
		return alive
	}
	if signal(syscall.SIGTERM) == 0 {
		fmt.Fprintf(w, "nothing the exercises started still runs from %s\n", dir)
		return nil
	}
	fmt.Fprintf(w, "stopping what the exercises started from %s: process groups %v, processes %v\n", dir, groups, pids)
	for deadline := time.Now().Add(10 * time.Second); signal(0) > 0 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
	}
	if n := signal(syscall.SIGKILL); n > 0 {
		fmt.Fprintf(w, "killed %d that did not stop within 10 s\n", n)
	}
	removeServerDirs(st.ports)
	return nil
}
