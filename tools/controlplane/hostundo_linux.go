package controlplane

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// hostState is what the host was like before a real node started: what
// stop must restore. It is saved in the node's folder, so that the next
// start undoes a crashed node's changes too.
type hostState struct {
	Dir string `json:"dir"`
	// Sysctls the kubelet (and the bridge plugin) set, by /proc/sys path.
	Sysctls map[string]string `json:"sysctls"`
	// Chains are the iptables chains before, by "iptables filter".
	Chains map[string][]string `json:"chains"`
	// Netns are /run/netns's entries before (containerd puts pods' network
	// namespaces there).
	Netns []string `json:"netns"`
	// Existed says which shared folders existed before (the kubelet and
	// libcni write into them whatever their configuration says).
	Existed map[string]bool `json:"existed"`
}

// The sysctls a kubelet sets at start (vm.overcommit_memory 1,
// kernel.panic 10, kernel.panic_on_oops 1, ...) and the bridge plugin's
// forwarding.
var nodeSysctls = []string{
	"vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops",
	"kernel/keys/root_maxkeys", "kernel/keys/root_maxbytes",
	"net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding",
}

var (
	iptablesTables = []string{"filter", "nat", "mangle", "raw"}
	sharedDirs     = []string{"/var/lib/cni", "/var/log/containers", "/run/netns"}
)

func snapshotHost(dir string) (*hostState, error) {
	st := &hostState{Dir: dir, Sysctls: map[string]string{}, Chains: map[string][]string{}, Existed: map[string]bool{}}
	for _, s := range nodeSysctls {
		if b, err := os.ReadFile("/proc/sys/" + s); err == nil {
			st.Sysctls[s] = strings.TrimSpace(string(b))
		}
	}
	for _, cmd := range []string{"iptables", "ip6tables"} {
		chains, _, err := iptablesChains(cmd)
		if err != nil {
			return nil, err
		}
		for k, v := range chains {
			st.Chains[k] = v
		}
	}
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		st.Netns = append(st.Netns, e.Name())
	}
	for _, d := range sharedDirs {
		_, err := os.Stat(d)
		st.Existed[d] = err == nil
	}
	return st, nil
}

func (st *hostState) save() error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("controlplane: real node: %w", err)
	}
	return os.WriteFile(filepath.Join(st.Dir, "state.json"), b, 0o600)
}

// cleanLeftovers ends whatever a real node left in dir (after stop, or a
// crash: its processes, pods, mounts) and restores the host as state.json
// recorded it. Without a state.json there is nothing to restore but the
// processes and mounts.
func cleanLeftovers(dir string, log *slog.Logger) error {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	killByCmdline(dir, "kubelet")
	killPods()
	killByCmdline(dir, "containerd-shim-runc-v2", "containerd")
	var st hostState
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	haveState := err == nil && json.Unmarshal(b, &st) == nil
	var errs []error
	errs = append(errs, unmountUnder(dir))
	if haveState {
		errs = append(errs, st.restore(log))
	}
	errs = append(errs, removeCgroups())
	if err := os.RemoveAll(dir); err != nil {
		errs = append(errs, fmt.Errorf("controlplane: real node: %w", err))
	}
	return errors.Join(errs...)
}

// restore undoes, after every node process ended, what the node changed.
func (st *hostState) restore(log *slog.Logger) error {
	var errs []error
	for s, v := range st.Sysctls {
		if b, err := os.ReadFile("/proc/sys/" + s); err == nil && strings.TrimSpace(string(b)) != v {
			if err := os.WriteFile("/proc/sys/"+s, []byte(v), 0o644); err != nil {
				errs = append(errs, fmt.Errorf("restore sysctl %s: %w", s, err))
			} else {
				log.Debug("restored sysctl", "name", s, "value", v)
			}
		}
	}
	for _, cmd := range []string{"iptables", "ip6tables"} {
		errs = append(errs, st.restoreChains(cmd))
	}
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		if !slices.Contains(st.Netns, e.Name()) && strings.HasPrefix(e.Name(), "cni-") {
			p := filepath.Join("/run/netns", e.Name())
			_ = syscall.Unmount(p, syscall.MNT_DETACH)
			errs = append(errs, os.Remove(p))
		}
	}
	if exec.Command("ip", "link", "show", bridgeName).Run() == nil {
		if out, err := exec.Command("ip", "link", "delete", bridgeName).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("delete bridge %s: %w: %s", bridgeName, err, out))
		}
	}
	errs = append(errs, st.restoreSharedDirs())
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("controlplane: real node: %w", err)
	}
	return nil
}

// restoreSharedDirs removes the shared folders the node made, and in those
// that existed, only the node's entries (libcni's cached results for the
// labnode network, the kubelet's symlinks to the node's pod logs).
func (st *hostState) restoreSharedDirs() error {
	var errs []error
	for _, d := range sharedDirs {
		if !st.Existed[d] {
			errs = append(errs, os.RemoveAll(d))
			continue
		}
		entries, _ := os.ReadDir(filepath.Join(d, "results"))
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "labnode-") {
				errs = append(errs, os.Remove(filepath.Join(d, "results", e.Name())))
			}
		}
		entries, _ = os.ReadDir(d)
		for _, e := range entries {
			if target, err := os.Readlink(filepath.Join(d, e.Name())); err == nil && strings.HasPrefix(target, st.Dir+"/") {
				errs = append(errs, os.Remove(filepath.Join(d, e.Name())))
			}
		}
	}
	return errors.Join(errs...)
}

// iptablesChains lists the chains of every table ("iptables filter" ->
// names) and returns iptables-save's output too.
func iptablesChains(cmd string) (map[string][]string, []byte, error) {
	out, err := exec.Command(cmd + "-save").Output()
	if err != nil {
		return nil, nil, fmt.Errorf("controlplane: real node: %s-save: %w", cmd, err)
	}
	chains := map[string][]string{}
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "*"):
			table = cmd + " " + line[1:]
			chains[table] = chains[table][:0:0]
		case strings.HasPrefix(line, ":"):
			name, _, _ := strings.Cut(line[1:], " ")
			chains[table] = append(chains[table], name)
		}
	}
	return chains, out, nil
}

// restoreChains removes the KUBE- and CNI- chains that were not there
// before, and the rules that jump to them, with one iptables-restore
// --noflush per table (it parses iptables-save's quoting itself).
func (st *hostState) restoreChains(cmd string) error {
	now, saved, err := iptablesChains(cmd)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range iptablesTables {
		key := cmd + " " + t
		var added []string
		for _, c := range now[key] {
			if (strings.HasPrefix(c, "KUBE-") || strings.HasPrefix(c, "CNI-")) && !slices.Contains(st.Chains[key], c) {
				added = append(added, c)
			}
		}
		if len(added) == 0 {
			continue
		}
		script := removeChainsScript(t, tableRules(saved, t), added)
		restore := exec.Command(cmd+"-restore", "--noflush")
		restore.Stdin = strings.NewReader(script)
		if out, err := restore.CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("%s-restore: %w: %s\n%s", cmd, err, out, script))
		}
	}
	return errors.Join(errs...)
}

// tableRules are the -A lines of one table in iptables-save's output.
func tableRules(saved []byte, table string) []string {
	var rules []string
	in := false
	for _, line := range strings.Split(string(saved), "\n") {
		switch {
		case strings.HasPrefix(line, "*"):
			in = line == "*"+table
		case in && strings.HasPrefix(line, "-A "):
			rules = append(rules, line)
		}
	}
	return rules
}

// removeChainsScript deletes, in table, every rule in a surviving chain
// that jumps to one of chains, then flushes and deletes chains.
func removeChainsScript(table string, rules, chains []string) string {
	var b strings.Builder
	b.WriteString("*" + table + "\n")
	for _, r := range rules {
		fields := strings.Fields(r)
		if len(fields) < 2 || slices.Contains(chains, fields[1]) {
			continue
		}
		for i, f := range fields {
			if (f == "-j" || f == "-g") && i+1 < len(fields) && slices.Contains(chains, fields[i+1]) {
				b.WriteString("-D " + strings.TrimPrefix(r, "-A ") + "\n")
				break
			}
		}
	}
	for _, c := range chains {
		b.WriteString("-F " + c + "\n")
	}
	for _, c := range chains {
		b.WriteString("-X " + c + "\n")
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// killByCmdline SIGKILLs every process named one of names whose command
// line mentions dir (a node's containerd, its shims, its kubelet), and
// waits up to 2 s for them to go.
func killByCmdline(dir string, names ...string) {
	var pids []int
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", p.Name(), "cmdline"))
		if err != nil || !bytes.Contains(b, []byte(dir)) {
			continue
		}
		argv0, _, _ := bytes.Cut(b, []byte{0})
		if slices.Contains(names, filepath.Base(string(argv0))) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			pids = append(pids, pid)
		}
	}
	waitGone(pids)
}

func waitGone(pids []int) {
	deadline := time.Now().Add(2 * time.Second)
	for _, pid := range pids {
		for time.Now().Before(deadline) && syscall.Kill(pid, 0) == nil && !zombie(pid) {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return strings.HasPrefix(rest, "Z")
}
