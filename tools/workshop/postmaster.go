package workshop

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// serverDirs lists the folders of pgtemp's throwaway servers whose
// postmaster.pid names one of ports, with the postmaster's PID: pgtemp
// keeps a server in $TMPDIR/pgtemp-*/data (or /tmp, when running as root).
func serverDirs(ports []int) map[string]int {
	found := map[string]int{}
	if len(ports) == 0 {
		return found
	}
	for _, parent := range []string{os.TempDir(), "/tmp"} {
		matches, _ := filepath.Glob(filepath.Join(parent, "pgtemp-*", "data", "postmaster.pid"))
		for _, m := range matches {
			b, err := os.ReadFile(m)
			if err != nil {
				continue
			}
			// postmaster.pid: the PID, the data folder, the start time,
			// the port, ...
			lines := strings.Split(string(b), "\n")
			if len(lines) < 4 {
				continue
			}
			pid, err1 := strconv.Atoi(strings.TrimSpace(lines[0]))
			port, err2 := strconv.Atoi(strings.TrimSpace(lines[3]))
			if err1 == nil && err2 == nil && slices.Contains(ports, port) {
				found[filepath.Dir(filepath.Dir(m))] = pid
			}
		}
	}
	return found
}

func postmasters(ports []int) []int {
	var pids []int
	for _, pid := range serverDirs(ports) {
		pids = append(pids, pid)
	}
	return pids
}

// removeServerDirs removes what pgtemp would have removed, for servers
// whose pgtemp died before it could.
func removeServerDirs(ports []int) {
	for dir := range serverDirs(ports) {
		_ = os.RemoveAll(dir)
	}
}
