package controlplane

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// nodeDir holds a real node's files: fixed, so that a later start finds
// what a crashed one left.
func nodeDir() string { return filepath.Join(os.TempDir(), "bloglabs-labnode") }

// RealNodeName is the name of the real node ([Options].RealNode).
const RealNodeName = "labnode"

// ErrNoRealNode is wrapped by every error that says why this host cannot
// run a real node; [Serve] then falls back to kwok nodes only.
var ErrNoRealNode = errors.New("no real node on this host")

// ErrRealNodeBusy is returned (wrapping [ErrNoRealNode]) when another real
// node runs on this host: two kubelets would fight over its iptables
// chains, sysctls and cgroups.
var ErrRealNodeBusy = fmt.Errorf("%w: another real node runs on this host (a cluster:local or a test)", ErrNoRealNode)

// Kubelet settings for a lab (see kubeletConfig): a crash loop must show in
// seconds, not minutes.
const (
	// restartPeriodMax caps the kubelet's restart back-off (default: 10 s
	// doubling to 5 min). At 5 s, a replica that crashes on every start is
	// restarted every few seconds, and the lab's 5 restarts fit in ~30 s.
	restartPeriodMax = "5s"
	// syncFrequency is how often the kubelet syncs every pod (default 1 m).
	// A container whose back-off has expired is restarted only at the next
	// sync, so with 1 m the back-off above would be moot: race took 257 s
	// with the defaults, 64 s with 10 s/10 s in a feasibility run.
	syncFrequency = "5s"
)

// missing joins what a host lacks into one error wrapping ErrNoRealNode.
func missing(what []string) error {
	if len(what) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrNoRealNode, strings.Join(what, "; "))
}
