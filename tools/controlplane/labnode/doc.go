// Package labnode is how a lab finds the real node of a local control plane
// (tools/controlplane with RealNode) from nothing but a kubeconfig: the
// control plane publishes [Info] in a ConfigMap (kube-public/bloglabs-labnode)
// — the node's name, its containerd socket on this machine and the address
// at which pods reach this machine — and [Discover] reads it back.
//
// Nothing can be pulled on such a machine, so images go into the node's
// containerd directly ([Info.Import], `ctr images import`), and a Postgres
// on this machine's loopback is reached by pods at [Info].HostAddr, the
// address of the node's bridge.
package labnode
