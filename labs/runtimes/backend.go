package runtimes

import "net"

// Backend is a server the replicas connect to — the lab's Postgres — as a
// runtime that runs them elsewhere than on this machine's network (docker,
// kind) needs to know it: the replicas' environment names it by the address
// this machine dials (a DSN the lab also uses for its own checks), and the
// runtime rewrites that address into one the replicas can reach.
type Backend struct {
	// Name is the host name replicas see it by where a runtime can give it
	// one (a Docker network alias): "postgres".
	Name string
	// Addr is host:port as this machine dials it.
	Addr string
	// Container is the ID of the Docker container that serves it, when it
	// is a container of the engine the runtime uses; "" otherwise.
	Container string
	// Port is its port inside Container.
	Port int
}

// Loopback says whether b's address is this machine's loopback, which no
// container reaches.
func (b Backend) Loopback() bool {
	host, _, err := net.SplitHostPort(b.Addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
