package controlplane

import (
	"strings"
	"testing"
)

// The script removes the chains a node added and every rule in a chain
// that stays and jumps to one of them, quoting kept as iptables-save wrote
// it; rules inside the removed chains go with the flush.
func TestRemoveChainsScript(t *testing.T) {
	rules := []string{
		`-A INPUT -j KUBE-FIREWALL`,
		`-A INPUT -i docker0 -j ACCEPT`,
		`-A OUTPUT -m comment --comment "kubelet firewall" -j KUBE-FIREWALL`,
		`-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -j DROP`,
		`-A FORWARD -j DOCKER-USER`,
	}
	got := removeChainsScript("filter", rules, []string{"KUBE-FIREWALL", "KUBE-KUBELET-CANARY"})
	want := strings.Join([]string{
		"*filter",
		`-D INPUT -j KUBE-FIREWALL`,
		`-D OUTPUT -m comment --comment "kubelet firewall" -j KUBE-FIREWALL`,
		"-F KUBE-FIREWALL", "-F KUBE-KUBELET-CANARY",
		"-X KUBE-FIREWALL", "-X KUBE-KUBELET-CANARY",
		"COMMIT", "",
	}, "\n")
	if got != want {
		t.Errorf("script:\n%s\nwant:\n%s", got, want)
	}
}

// Mount points with spaces come octal-escaped in mountinfo.
func TestUnescapeMount(t *testing.T) {
	if got := unescapeMount(`/tmp/a\040b/c`); got != "/tmp/a b/c" {
		t.Errorf("unescapeMount = %q", got)
	}
}
