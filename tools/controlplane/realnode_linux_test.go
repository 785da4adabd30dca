package controlplane_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/bloglabs/posts/tools/controlplane"
	"github.com/bloglabs/posts/tools/controlplane/cptest"
)

// hostSnapshot is what a real node changes on the host and must put back.
type hostSnapshot struct {
	sysctls, chains, mounts, cgroups, links []string
}

func snapshot(t *testing.T) hostSnapshot {
	t.Helper()
	var s hostSnapshot
	for _, k := range []string{"vm/overcommit_memory", "vm/panic_on_oom", "kernel/panic", "kernel/panic_on_oops", "kernel/keys/root_maxkeys", "net/ipv4/ip_forward"} {
		b, _ := os.ReadFile("/proc/sys/" + k)
		s.sysctls = append(s.sysctls, k+"="+strings.TrimSpace(string(b)))
	}
	for _, cmd := range []string{"iptables-save", "ip6tables-save"} {
		out, err := exec.Command(cmd).Output()
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		// User chains (policy "-"), by table: a table the kubelet made
		// visible (ip6tables' filter) stays with its built-in chains only.
		table := ""
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			switch {
			case strings.HasPrefix(line, "*"):
				table = line
			case strings.HasPrefix(line, ":") && len(f) > 1 && f[1] == "-":
				s.chains = append(s.chains, cmd+" "+table+" "+f[0])
			}
		}
	}
	mi, _ := os.ReadFile("/proc/self/mountinfo")
	for _, line := range strings.Split(string(mi), "\n") {
		// The node's folder and /run/netns; Docker's own (other tests' containers) come and go.
		if f := strings.Fields(line); len(f) > 4 && (strings.Contains(f[4], "bloglabs-labnode") || strings.HasPrefix(f[4], "/run/netns/")) {
			s.mounts = append(s.mounts, f[4])
		}
	}
	s.cgroups, _ = filepath.Glob("/sys/fs/cgroup/*/kubepods")
	if _, err := os.Stat("/sys/fs/cgroup/kubepods"); err == nil {
		s.cgroups = append(s.cgroups, "/sys/fs/cgroup/kubepods")
	}
	// The node's bridge and the pods' veths on it; Docker's come and go.
	out, _ := exec.Command("ip", "-o", "link", "show").Output()
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 && (strings.Contains(f[1], "labnode0") || strings.Contains(line, "master labnode0")) {
			s.links = append(s.links, strings.TrimSuffix(f[1], ":"))
		}
	}
	return s
}

func (s hostSnapshot) diff(t *testing.T, after hostSnapshot) {
	t.Helper()
	for _, c := range []struct {
		what          string
		before, after []string
	}{{"sysctls", s.sysctls, after.sysctls}, {"iptables chains", s.chains, after.chains}, {"mounts", s.mounts, after.mounts},
		{"kubepods cgroups", s.cgroups, after.cgroups}, {"network devices", s.links, after.links}} {
		slices.Sort(c.before)
		slices.Sort(c.after)
		if !slices.Equal(c.before, c.after) {
			t.Errorf("%s after Close differ from before the node:\nbefore %q\nafter  %q", c.what, c.before, c.after)
		}
	}
}

// A real node runs real containers (its own pause image, imported, as the
// container), kwok leaves it alone, and Close puts the host back as it was:
// sysctls, iptables chains (v4 and v6), mounts, kubepods cgroups, devices.
func TestRealNodeRunsAPodAndLeavesTheHostAsItWas(t *testing.T) {
	bins := cptest.Binaries(t)
	cptest.NeedRealNode(t, bins)
	cptest.HoldHost(t)
	before := snapshot(t)
	c := cptest.RealNode(t, controlplane.Options{Binaries: bins, Nodes: controlplane.LabNodes()})
	cs := cptest.Client(t, c)
	node, err := cs.CoreV1().Nodes().Get(t.Context(), controlplane.RealNodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v := node.Status.NodeInfo.KubeletVersion; v != controlplane.KubernetesVersion {
		t.Errorf("node %s reports kubelet %q, want %s (kwok reports its own)", node.Name, v, controlplane.KubernetesVersion)
	}
	runPause(t, cs)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	before.diff(t, snapshot(t))
}

// runPause runs the node's pause image as a pod on the real node and
// returns once it runs with an IP of the node's bridge.
func runPause(t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "pause", Namespace: "default"},
		Spec: corev1.PodSpec{
			NodeSelector: map[string]string{corev1.LabelHostname: controlplane.RealNodeName},
			Containers:   []corev1.Container{{Name: "pause", Image: "bloglabs/pause:1", ImagePullPolicy: corev1.PullNever}},
		},
	}
	if _, err := cs.CoreV1().Pods("default").Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last *corev1.Pod
	var err error
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		last, err = cs.CoreV1().Pods("default").Get(t.Context(), "pause", metav1.GetOptions{})
		if err == nil && last.Status.Phase == corev1.PodRunning && last.Status.PodIP != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod not running with an IP after 90s: %v %+v", err, last.Status)
		}
	}
	if !strings.HasPrefix(last.Status.PodIP, "10.88.") {
		t.Errorf("pod IP %s, want one of the node's bridge (10.88.0.0/16)", last.Status.PodIP)
	}
}

// serveEnv makes the test binary a cluster:local (TestServeUntilKilled).
const serveEnv = "CONTROLPLANE_TEST_SERVE_UNTIL_KILLED"

// TestServeUntilKilled is TestACrashedClusterLocalDoesNotBreakTheNext's
// helper process, not a test of its own: what `go tool mage cluster:local`
// runs (Serve with a real node and the lab's kwok nodes), until SIGKILLed.
func TestServeUntilKilled(t *testing.T) {
	if os.Getenv(serveEnv) == "" {
		t.Skip("the helper process of TestACrashedClusterLocalDoesNotBreakTheNext")
	}
	opts := controlplane.Options{Binaries: cptest.Binaries(t), RealNode: true, Nodes: controlplane.LabNodes()}
	if err := controlplane.Serve(context.Background(), os.Stdout, opts); err != nil {
		t.Fatal(err)
	}
}

// A cluster:local killed with SIGKILL, a pod running on its real node,
// leaves the node's processes, pods, mounts, bridge, iptables chains,
// sysctls and cgroups behind; the next real node starts all the same, runs
// a pod, and its Close puts the host back as it was before the first.
func TestACrashedClusterLocalDoesNotBreakTheNext(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts two control planes with a real node")
	}
	bins := cptest.Binaries(t)
	cptest.NeedRealNode(t, bins)
	cptest.HoldHost(t)
	before := snapshot(t)
	serveThenKill(t)
	left := snapshot(t)
	if !slices.Contains(left.links, "labnode0") || len(left.mounts) == 0 {
		t.Fatalf("the killed cluster:local left no bridge or no mount (devices %q, mounts %q): nothing to clean, the test proves nothing", left.links, left.mounts)
	}
	c := cptest.RealNode(t, controlplane.Options{Binaries: bins, Nodes: controlplane.LabNodes()})
	runPause(t, cptest.Client(t, c))
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	before.diff(t, snapshot(t))
}

// serveThenKill runs a cluster:local (TestServeUntilKilled) with a real
// node, runs a pod on it, and SIGKILLs it: Close never runs. While another
// real node holds the host (Serve then falls back to kwok nodes only), it
// tries again, for up to 10 minutes.
func serveThenKill(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(2 * time.Second) {
		cmd, out := startServe(t)
		kubeconfig, dir, busy := readServe(t, out)
		if dir != "" {
			// The control plane's own folder (etcd's data, logs): not the
			// host's state, but not to be left in the temp folder either.
			t.Cleanup(func() { _ = os.RemoveAll(dir) })
		}
		if busy && time.Now().Before(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			continue
		}
		if kubeconfig == "" {
			t.Fatal("cluster:local started no real node (see its output above)")
		}
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		runPause(t, kubernetes.NewForConfigOrDie(cfg))
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		return
	}
}

// startServe starts the helper process; its output comes line by line on
// the channel, which closes when the process's stdout does.
func startServe(t *testing.T) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeUntilKilled$", "-test.timeout=0")
	cmd.Env = append(os.Environ(), serveEnv+"=1")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return cmd, lines
}

// readServe reads Serve's output up to the line that names the real node:
// the kubeconfig, the control plane's folder, and whether it fell back to
// kwok nodes because another real node runs.
func readServe(t *testing.T, lines <-chan string) (kubeconfig, dir string, busy bool) {
	t.Helper()
	var seen []string
	kwokOnly := false
	timeout := time.After(5 * time.Minute)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Logf("cluster:local's output:\n%s", strings.Join(seen, "\n"))
				return "", dir, busy
			}
			seen = append(seen, l)
			busy = busy || strings.Contains(l, "another real node runs")
			kwokOnly = kwokOnly || strings.Contains(l, "kwok nodes only")
			if v, ok := strings.CutPrefix(l, "export KUBECONFIG="); ok {
				kubeconfig = v
			}
			if _, rest, ok := strings.Cut(l, "; logs in "); ok {
				dir, _, _ = strings.Cut(rest, ";")
				if kwokOnly {
					t.Logf("cluster:local's output:\n%s", strings.Join(seen, "\n"))
					return "", dir, busy
				}
			}
			if strings.HasPrefix(l, "# real node ") {
				return kubeconfig, dir, false
			}
		case <-timeout:
			t.Fatalf("cluster:local not up with a real node after 5 minutes; its output:\n%s", strings.Join(seen, "\n"))
		}
	}
}
