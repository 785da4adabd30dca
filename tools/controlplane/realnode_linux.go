package controlplane

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/bloglabs/posts/internal/kube"
	"github.com/bloglabs/posts/tools/controlplane/labnode"
	"github.com/bloglabs/posts/tools/images"
)

// The node's network: a bridge of its own, its gateway the address pods
// reach this machine at.
const (
	bridgeName = "labnode0"
	bridgeCIDR = "10.88.0.0/16"
	bridgeGW   = "10.88.0.1"
	// pauseImage is the sandbox image, built here (internal/pause).
	pauseImage = "docker.io/bloglabs/pause:1"
)

// realNode is a kubelet and a containerd of its own, on this host, joined
// to the control plane. Everything it changes on the host is recorded in
// its folder's state.json before it starts, and undone by stop (or by the
// next start, after a crash).
type realNode struct {
	dir        string
	log        *slog.Logger
	lock       *os.File
	containerd *component
	kubelet    *component
}

// cniBinDir is where the distribution put the CNI plugins ("" if nowhere).
func cniBinDir() string {
	for _, d := range []string{"/usr/lib/cni", "/opt/cni/bin", "/usr/libexec/cni"} {
		if _, err := os.Stat(filepath.Join(d, "bridge")); err == nil {
			return d
		}
	}
	return ""
}

// CheckRealNode returns nil when this host can run a real node with the
// binaries b; else an error wrapping [ErrNoRealNode] that names everything
// missing and how to get it.
func CheckRealNode(b *Binaries) error {
	var miss []string
	if os.Geteuid() != 0 {
		miss = append(miss, "root (a kubelet mounts, and changes cgroups, iptables and sysctls)")
	}
	if b != nil {
		if _, err := os.Stat(b.Path("kubelet")); err != nil {
			miss = append(miss, "the kubelet binary in "+b.Dir+" (binaries built before the kubelet joined them: go tool mage cluster:build)")
		}
	}
	for cmd, pkg := range map[string]string{"containerd": "containerd", "containerd-shim-runc-v2": "containerd", "ctr": "containerd",
		"runc": "runc", "ip": "iproute2", "iptables-save": "iptables", "iptables-restore": "iptables",
		"ip6tables-save": "iptables", "ip6tables-restore": "iptables", "go": "the Go toolchain"} {
		if _, err := exec.LookPath(cmd); err != nil {
			miss = append(miss, fmt.Sprintf("%s (apt-get install -y %s)", cmd, pkg))
		}
	}
	if d := cniBinDir(); d == "" {
		miss = append(miss, "the CNI plugins bridge, host-local and loopback (apt-get install -y containernetworking-plugins)")
	} else {
		for _, p := range []string{"host-local", "loopback"} {
			if _, err := os.Stat(filepath.Join(d, p)); err != nil {
				miss = append(miss, "CNI plugin "+p+" in "+d)
			}
		}
	}
	if _, err := os.Stat("/sys/fs/cgroup"); err != nil {
		miss = append(miss, "cgroups mounted at /sys/fs/cgroup")
	}
	slices.Sort(miss)
	return missing(miss)
}

// startRealNode starts containerd and the kubelet and returns once the
// node is Ready and published for labs (labnode.Publish).
func startRealNode(ctx context.Context, c *Cluster, sourceDir string) (*realNode, error) {
	if err := CheckRealNode(c.bins); err != nil {
		return nil, err
	}
	n := &realNode{dir: nodeDir(), log: c.log}
	lock, err := lockNode(n.dir)
	if err != nil {
		return nil, err
	}
	n.lock = lock
	ok := false
	defer func() {
		if !ok {
			_ = n.stop()
		}
	}()
	if err := cleanLeftovers(n.dir, c.log); err != nil {
		return nil, err
	}
	if err := n.prepare(c); err != nil {
		return nil, err
	}
	if n.containerd, err = n.run("containerd", "containerd", "--config", n.path("containerd.toml")); err != nil {
		return nil, err
	}
	if err := n.waitContainerd(ctx); err != nil {
		return nil, err
	}
	if err := n.importPause(ctx, sourceDir); err != nil {
		return nil, err
	}
	cs, err := c.Client()
	if err != nil {
		return nil, err
	}
	if err := bindNodes(ctx, cs); err != nil {
		return nil, err
	}
	if n.kubelet, err = n.run("kubelet", c.bins.Path("kubelet"), n.kubeletArgs()...); err != nil {
		return nil, err
	}
	if err := n.waitReady(ctx, c, cs); err != nil {
		return nil, err
	}
	info := labnode.Info{Node: RealNodeName, ContainerdSocket: n.path("containerd.sock"), HostAddr: bridgeGW}
	if err := labnode.Publish(ctx, cs, info); err != nil {
		return nil, err
	}
	ok = true
	return n, nil
}

func (n *realNode) path(elem ...string) string {
	return filepath.Join(append([]string{n.dir}, elem...)...)
}

// lockNode takes the host's one real-node lock: two kubelets would fight
// over the same iptables chains, sysctls and cgroups.
func lockNode(dir string) (*os.File, error) {
	f, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("controlplane: real node: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w; it holds %s.lock", ErrRealNodeBusy, dir)
	}
	return f, nil
}

// prepare records the host's state, then writes the node's files and
// makes its bridge.
func (n *realNode) prepare(c *Cluster) error {
	for _, d := range []string{"", "cni/net.d", "cni/ipam", "kubelet", "pod-logs", "opt"} {
		if err := os.MkdirAll(n.path(d), 0o755); err != nil {
			return fmt.Errorf("controlplane: real node: %w", err)
		}
	}
	st, err := snapshotHost(n.dir)
	if err != nil {
		return err
	}
	if err := st.save(); err != nil {
		return err
	}
	if err := n.writeConfigs(c); err != nil {
		return err
	}
	// The bridge exists before the first pod, so that a lab can listen on
	// its gateway address; the CNI bridge plugin adopts it.
	for _, args := range [][]string{
		{"link", "add", bridgeName, "type", "bridge"},
		{"addr", "add", bridgeGW + "/16", "dev", bridgeName},
		{"link", "set", bridgeName, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("controlplane: real node: ip %s: %w: %s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// run starts a node process with its log in the node's folder.
func (n *realNode) run(name, path string, args ...string) (*component, error) {
	p, err := startProcess(n.dir, name, path, args...)
	if err == nil {
		n.log.Debug("started "+name, "pid", p.cmd.Process.Pid, "log", p.logPath)
	}
	return p, err
}

func (n *realNode) waitContainerd(ctx context.Context) error {
	for {
		if err := n.containerd.exited(); err != nil {
			return fmt.Errorf("controlplane: real node: %w", err)
		}
		if exec.CommandContext(ctx, "ctr", "--address", n.path("containerd.sock"), "version").Run() == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("controlplane: real node: waiting for containerd: %w\n%s", ctx.Err(), n.containerd.logTail(10))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// importPause builds the pause program and imports it, as an image FROM
// scratch, into the node's containerd: nothing can be pulled.
func (n *realNode) importPause(ctx context.Context, sourceDir string) error {
	bin := n.path("pause")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./internal/pause/cmd/pause")
	cmd.Dir = sourceDir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("controlplane: real node: build pause: %w: %s", err, out)
	}
	a, err := images.Scratch{
		Tags: []string{pauseImage}, OS: "linux", Arch: runtime.GOARCH,
		Files:  []images.File{{Path: "pause", Source: bin}},
		Config: images.Config{Entrypoint: []string{"/pause"}},
	}.Build()
	if err != nil {
		return fmt.Errorf("controlplane: real node: %w", err)
	}
	r := a.Reader()
	defer r.Close()
	info := labnode.Info{ContainerdSocket: n.path("containerd.sock")}
	return info.Import(ctx, r)
}

// bindNodes lets nodes act as nodes: the API server runs RBAC only (no
// Node authorizer), so the group system:nodes gets ClusterRole system:node.
func bindNodes(ctx context.Context, cs kubernetes.Interface) error {
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "bloglabs:nodes"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "system:node"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "system:nodes"}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("controlplane: real node: bind system:nodes: %w", err)
	}
	return nil
}

// nodeKubeconfig is the kubelet's: a client certificate for
// system:node:NAME in system:nodes, signed by the control plane's CA.
func (n *realNode) nodeKubeconfig(c *Cluster) error {
	cert, key, err := c.pki.issue(&x509.Certificate{
		Subject:     pkix.Name{CommonName: "system:node:" + RealNodeName, Organization: []string{"system:nodes"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}, time.Now().Add(-time.Minute))
	if err != nil {
		return fmt.Errorf("controlplane: real node: %w", err)
	}
	keyPEMBytes, err := keyPEM(key)
	if err != nil {
		return fmt.Errorf("controlplane: real node: %w", err)
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["local"] = &clientcmdapi.Cluster{Server: c.rest.Host, CertificateAuthorityData: c.pki.caPEM}
	cfg.AuthInfos["node"] = &clientcmdapi.AuthInfo{ClientCertificateData: cert, ClientKeyData: keyPEMBytes}
	cfg.Contexts["node"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: "node"}
	cfg.CurrentContext = "node"
	if err := clientcmd.WriteToFile(*cfg, n.path("kubelet.kubeconfig")); err != nil {
		return fmt.Errorf("controlplane: real node: %w", err)
	}
	return os.WriteFile(n.path("ca.crt"), c.pki.caPEM, 0o644)
}

func (n *realNode) waitReady(ctx context.Context, c *Cluster, cs kubernetes.Interface) error {
	t0 := time.Now()
	for {
		for _, p := range []*component{n.containerd, n.kubelet} {
			if err := p.exited(); err != nil {
				return fmt.Errorf("controlplane: real node: %w", err)
			}
		}
		if node, err := cs.CoreV1().Nodes().Get(ctx, RealNodeName, metav1.GetOptions{}); err == nil && kube.NodeReady(node) {
			c.log.Info("real node ready", "node", RealNodeName, "took", time.Since(t0).Round(time.Millisecond), "dir", n.dir)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("controlplane: real node: waiting for node %s Ready: %w\n%s", RealNodeName, ctx.Err(), n.kubelet.logTail(15))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// healthy is nil while containerd and the kubelet run.
func (n *realNode) healthy() error {
	for _, p := range []*component{n.containerd, n.kubelet} {
		if p != nil {
			if err := p.exited(); err != nil {
				return err
			}
		}
	}
	return nil
}

// stop ends the node in the order that leaves nothing behind — the
// kubelet (so that it restarts nothing), the pods' processes, the shims,
// containerd — then undoes its changes to the host and removes its folder.
func (n *realNode) stop() error {
	var errs []error
	if n.kubelet != nil {
		errs = append(errs, n.kubelet.stop(time.Second))
	}
	killPods()
	killByCmdline(n.dir, "containerd-shim-runc-v2")
	if n.containerd != nil {
		errs = append(errs, n.containerd.stop(time.Second))
	}
	errs = append(errs, cleanLeftovers(n.dir, n.log))
	if n.lock != nil {
		n.lock.Close()
	}
	return errors.Join(errs...)
}
