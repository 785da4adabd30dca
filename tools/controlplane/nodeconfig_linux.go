package controlplane

import (
	"fmt"
	"os"
	"strconv"
)

// writeConfigs writes containerd's config, the CNI network, the kubelet's
// kubeconfig and config.
func (n *realNode) writeConfigs(c *Cluster) error {
	if err := n.nodeKubeconfig(c); err != nil {
		return err
	}
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	files := map[string]string{
		"containerd.toml":               n.containerdConfig(),
		"cni/net.d/10-labnode.conflist": n.cniConfig(),
		"kubelet.yaml":                  n.kubeletConfig(ports[0]),
	}
	for name, content := range files {
		if err := os.WriteFile(n.path(name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("controlplane: real node: %w", err)
		}
	}
	return nil
}

// containerdConfig is a containerd of the node's own: its root, state,
// socket and runc root in the node's folder, never the system's (Docker's
// containerd has its CRI disabled anyway). The sandbox image is the local
// pause image; pods' network namespaces are mounted under its state, not
// in /run/netns; OOM score and AppArmor settings that need capabilities a
// CI container lacks are off; cgroups are cgroupfs, as the kubelet's.
func (n *realNode) containerdConfig() string {
	return fmt.Sprintf(`version = 2
root = %[1]q
state = %[2]q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = %[3]q

[plugins."io.containerd.internal.v1.opt"]
  path = %[4]q

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %[5]q
  restrict_oom_score_adj = true
  disable_apparmor = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = %[6]q
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = %[7]q
    conf_dir = %[8]q
    max_conf_num = 1
`, n.path("containerd", "root"), n.path("containerd", "state"), n.path("containerd.sock"), n.path("opt"),
		pauseImage, n.path("runc"), cniBinDir(), n.path("cni", "net.d"))
}

// cniConfig is one bridge network: pods get addresses of bridgeCIDR, and
// the bridge's gateway address is this machine to them. No ipMasq and no
// portmap: pods only talk to this machine, so no iptables rules are added
// per pod. host-local keeps its leases in the node's folder.
func (n *realNode) cniConfig() string {
	return fmt.Sprintf(`{
  "cniVersion": "1.0.0",
  "name": "labnode",
  "plugins": [{
    "type": "bridge", "bridge": %q, "isGateway": true, "ipMasq": false, "hairpinMode": true,
    "ipam": {"type": "host-local", "ranges": [[{"subnet": %q, "gateway": %q}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": %q}
  }]
}
`, bridgeName, bridgeCIDR, bridgeGW, n.path("cni", "ipam"))
}

// kubeletConfig suits a lab on one machine:
//   - cgroup v1 still allowed (failCgroupV1: false; v1.37 warns), cgroupfs
//     as containerd's runc, swap tolerated;
//   - the API server reaches the kubelet (logs, which the labs follow) with
//     a client certificate of the CA; anonymous access is off;
//   - eviction only when the machine is nearly full, and image GC off
//     (imageGCHighThresholdPercent 100): the node's images were imported,
//     nothing can pull them again;
//   - crash loops in seconds: restartPeriodMax and syncFrequency (see there);
//   - its own port, no read-only or healthz port, its logs in its folder.
func (n *realNode) kubeletConfig(port int) string {
	return `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
failSwapOn: false
containerRuntimeEndpoint: unix://` + n.path("containerd.sock") + `
address: 0.0.0.0
port: ` + strconv.Itoa(port) + `
readOnlyPort: 0
healthzPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: ` + n.path("ca.crt") + `}
authorization: {mode: AlwaysAllow}
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
syncFrequency: ` + syncFrequency + `
crashLoopBackOff: {maxContainerRestartPeriod: ` + restartPeriodMax + `}
podLogsDir: ` + n.path("pod-logs") + `
registerNode: true
`
}

func (n *realNode) kubeletArgs() []string {
	return []string{
		"--config=" + n.path("kubelet.yaml"),
		"--kubeconfig=" + n.path("kubelet.kubeconfig"),
		"--root-dir=" + n.path("kubelet"),
		"--hostname-override=" + RealNodeName,
	}
}
