package controlplane_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

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
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	before.diff(t, snapshot(t))
}
