// Package netfault is a TCP proxy for fault tests: put it between a client
// and a server, then cut the network between them on purpose.
//
// [Proxy.Blackhole] stops forwarding in both directions without closing
// anything, the way a network partition looks to both ends: writes still
// succeed into the kernel's buffers, nothing arrives, no FIN, no RST. The
// server's own timers (PostgreSQL's idle_in_transaction_session_timeout) fire
// on its side; the client only notices that answers stop. [Proxy.Heal]
// delivers what was held back, as TCP would once the path comes back.
// [Proxy.Reset] instead closes every connection at once with an RST, the way
// a dead NAT entry or a restarted load balancer does.
//
// A connection accepted while blackholed is not forwarded (not even dialled
// through) until healed, so a client's connect times out as it would against
// dropped SYNs.
//
// runonce's fault suite (runonce/faults) puts one in front of each replica
// to partition a lock holder from PostgreSQL and measure who notices when.
package netfault
