package process

import "testing"

// TestFreePortNeverRepeatsAndStaysBelowTheEphemeralRange: 200 replicas'
// ports in a row are all different, bindable when handed out, and below
// 32768, where the kernel's ":0" never hands them to another program.
func TestFreePortNeverRepeatsAndStaysBelowTheEphemeralRange(t *testing.T) {
	seen := map[int]bool{}
	for range 200 {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		if seen[port] {
			t.Fatalf("port %d handed out twice in %d picks", port, len(seen)+1)
		}
		seen[port] = true
		if port < lowPortBase || port >= lowPortBase+lowPortSpan {
			t.Errorf("port %d: want it in [%d, %d), below the ephemeral range", port, lowPortBase, lowPortBase+lowPortSpan)
		}
	}
}
