package pods

import (
	"net"
	"net/url"
	"strings"

	"github.com/bloglabs/posts/labs/spec"
)

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
