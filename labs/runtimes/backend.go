package runtimes

import (
	"net"
	"net/url"
	"strings"

	"github.com/bloglabs/posts/labs/spec"
)

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

// RewriteAddrs returns env with every URL whose host:port is a key of to
// pointed at the value instead: postgres://u:p@127.0.0.1:32768/db becomes
// postgres://u:p@postgres:5432/db. "localhost" and 127.0.0.1 are the same
// host. Values that are not URLs are left alone.
func RewriteAddrs(env []spec.EnvVar, to map[string]string) []spec.EnvVar {
	if len(to) == 0 {
		return env
	}
	norm := map[string]string{}
	for from, dst := range to {
		norm[normAddr(from)] = dst
	}
	out := make([]spec.EnvVar, len(env))
	for i, v := range env {
		out[i] = v
		if !strings.Contains(v.Value, "://") {
			continue
		}
		u, err := url.Parse(v.Value)
		if err != nil || u.Host == "" {
			continue
		}
		if dst, ok := norm[normAddr(u.Host)]; ok {
			u.Host = dst
			out[i].Value = u.String()
		}
	}
	return out
}

func normAddr(hostport string) string {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		return hostport
	}
	if host == "localhost" || host == "::1" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}
