package dockerx

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/bloglabs/posts/labs/runtimes"
)

// Routes makes the lab's backends reachable from the containers on one
// Docker network, and says at which address — what the docker and kind
// runtimes both need:
//
//   - a backend in a container: its alias on the network (or its IP there
//     when ByIP), connecting it to the network if it is not on it. Better
//     started on it: Docker connecting a running container to a network can
//     cut the NATed connections it has (seen here).
//   - a backend on this machine's loopback: a relay listening on the
//     network's gateway, an address of this machine on Linux (under Docker
//     Desktop it is in the VM, and Resolve says so).
//   - anything else is left as it is.
type Routes struct {
	Network string
	// ByIP dials backend containers by IP: kind's pods do not use Docker's
	// name resolution.
	ByIP bool

	mu       sync.Mutex
	joined   []string
	relayCtx context.Context
	stop     context.CancelFunc
}

// Resolve returns, for each backend it must route, the backend's address
// as this machine dials it mapped to the one containers dial.
func (r *Routes) Resolve(ctx context.Context, cli *client.Client, backends []runtimes.Backend) (map[string]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	for _, b := range backends {
		switch {
		case b.Container != "":
			addr, err := r.container(ctx, cli, b)
			if err != nil {
				return nil, err
			}
			out[b.Addr] = addr
		case b.Loopback():
			addr, err := r.relay(ctx, cli, b)
			if err != nil {
				return nil, err
			}
			out[b.Addr] = addr
		}
	}
	return out, nil
}

func (r *Routes) container(ctx context.Context, cli *client.Client, b runtimes.Backend) (string, error) {
	alias := b.Name
	if alias == "" {
		alias = "backend"
	}
	port := strconv.Itoa(b.Port)
	endpoint := func() (*network.EndpointSettings, error) {
		info, err := cli.ContainerInspect(ctx, b.Container, client.ContainerInspectOptions{})
		if err != nil {
			return nil, fmt.Errorf("inspect %s: %w", alias, err)
		}
		if ns := info.Container.NetworkSettings; ns != nil {
			return ns.Networks[r.Network], nil
		}
		return nil, nil
	}
	ep, err := endpoint()
	if err != nil {
		return "", err
	}
	if ep == nil {
		if _, err := cli.NetworkConnect(ctx, r.Network, client.NetworkConnectOptions{
			Container: b.Container, EndpointConfig: &network.EndpointSettings{Aliases: []string{alias}},
		}); err != nil {
			return "", fmt.Errorf("connect %s to network %s: %w", alias, r.Network, err)
		}
		r.joined = append(r.joined, b.Container)
		if ep, err = endpoint(); err != nil {
			return "", err
		}
		if ep == nil {
			return "", fmt.Errorf("%s is not on network %s after joining it", alias, r.Network)
		}
	}
	if !r.ByIP && slices.Contains(ep.Aliases, alias) {
		return net.JoinHostPort(alias, port), nil
	}
	if !ep.IPAddress.IsValid() {
		return "", fmt.Errorf("%s has no address on network %s", alias, r.Network)
	}
	return net.JoinHostPort(ep.IPAddress.String(), port), nil
}

func (r *Routes) relay(ctx context.Context, cli *client.Client, b runtimes.Backend) (string, error) {
	res, err := cli.NetworkInspect(ctx, r.Network, client.NetworkInspectOptions{})
	if err != nil {
		return "", fmt.Errorf("inspect network %s: %w", r.Network, err)
	}
	gw := ""
	for _, c := range res.Network.IPAM.Config {
		if c.Gateway.Is4() {
			gw = c.Gateway.String()
		}
	}
	if gw == "" || !IsLocalAddr(gw) {
		return "", fmt.Errorf("%s listens on this machine's loopback, which containers cannot reach here (the network's gateway %q is not an address of this machine, as under Docker Desktop): use --postgres testcontainers", b.Addr, gw)
	}
	if r.stop == nil {
		r.relayCtx, r.stop = context.WithCancel(context.WithoutCancel(ctx))
	}
	return Forward(r.relayCtx, net.JoinHostPort(gw, "0"), b.Addr)
}

// Close stops the relays and disconnects the containers Resolve connected.
func (r *Routes) Close(ctx context.Context, cli *client.Client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stop != nil {
		r.stop()
		r.stop = nil
	}
	for _, id := range r.joined {
		_, _ = cli.NetworkDisconnect(ctx, r.Network, client.NetworkDisconnectOptions{Container: id, Force: true})
	}
	r.joined = nil
}
