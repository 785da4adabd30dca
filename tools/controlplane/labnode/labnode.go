package labnode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Where the control plane publishes the node's Info.
const (
	ConfigMapNamespace = "kube-public"
	ConfigMapName      = "bloglabs-labnode"
)

// Namespace is containerd's namespace for Kubernetes' images and containers.
const Namespace = "k8s.io"

// Info describes a real node that runs on this machine.
type Info struct {
	// Node is the Node's name.
	Node string
	// ContainerdSocket is the node's containerd's socket (a path on the
	// machine the node runs on).
	ContainerdSocket string
	// HostAddr is the IP address at which pods reach the machine (the
	// gateway of the node's bridge network).
	HostAddr string
}

// Publish writes info where [Discover] finds it.
func Publish(ctx context.Context, cs kubernetes.Interface, info Info) error {
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: ConfigMapNamespace},
		Data:       map[string]string{"node": info.Node, "containerd-socket": info.ContainerdSocket, "host-address": info.HostAddr},
	}
	if _, err := cs.CoreV1().ConfigMaps(ConfigMapNamespace).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("labnode: publish: %w", err)
	}
	return nil
}

// Discover returns the cluster's real local node, or nil when it has none
// (or the user may not read kube-public's ConfigMaps).
func Discover(ctx context.Context, cs kubernetes.Interface) (*Info, error) {
	cm, err := cs.CoreV1().ConfigMaps(ConfigMapNamespace).Get(ctx, ConfigMapName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsForbidden(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("labnode: discover: %w", err)
	}
	info := &Info{Node: cm.Data["node"], ContainerdSocket: cm.Data["containerd-socket"], HostAddr: cm.Data["host-address"]}
	if info.Node == "" || info.ContainerdSocket == "" || info.HostAddr == "" {
		return nil, fmt.Errorf("labnode: %s/%s lacks node, containerd-socket or host-address", ConfigMapNamespace, ConfigMapName)
	}
	return info, nil
}

// Local reports whether the node runs on this machine: its containerd's
// socket is here.
func (i *Info) Local() bool {
	st, err := os.Stat(i.ContainerdSocket)
	return err == nil && st.Mode()&os.ModeSocket != 0
}

// Ref is the name containerd stores an image under: a Docker-style short
// name (bloglabs/lab:1) gets docker.io/ in front, as the kubelet resolves it.
func Ref(image string) string {
	first, _, found := strings.Cut(image, "/")
	switch {
	case !found:
		return "docker.io/library/" + image
	case strings.ContainsAny(first, ".:") || first == "localhost":
		return image
	}
	return "docker.io/" + image
}

// HasImage reports whether the node's containerd has image.
func (i *Info) HasImage(ctx context.Context, image string) (bool, error) {
	out, err := i.ctr(ctx, nil, "images", "list", "-q", "name=="+Ref(image))
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(out) != "", nil
}

// Import loads an image archive (`docker save`'s format) into the node's
// containerd, where the kubelet finds it without pulling.
func (i *Info) Import(ctx context.Context, archive io.Reader) error {
	_, err := i.ctr(ctx, archive, "images", "import", "-")
	return err
}

// ErrNoCtr is returned when containerd's ctr command is not on the PATH.
var ErrNoCtr = errors.New("labnode: ctr (containerd's client) is not on the PATH")

func (i *Info) ctr(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	path, err := exec.LookPath("ctr")
	if err != nil {
		return "", ErrNoCtr
	}
	cmd := exec.CommandContext(ctx, path, append([]string{"--address", i.ContainerdSocket, "--namespace", Namespace}, args...)...)
	var out, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("labnode: ctr %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out.String(), nil
}
