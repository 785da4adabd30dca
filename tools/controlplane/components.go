package controlplane

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// errPortInUse marks a start that failed because another process took a
// port between freePort and the component binding it.
var errPortInUse = errors.New("port in use")

// component is one running process of the control plane.
type component struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed once cmd has exited and waitErr is set
	waitErr error
	// stopping is closed when Close starts stopping the component, so that
	// its exit is not reported as a failure.
	stopping chan struct{}
}

// run starts a binary of the cluster with its output in <name>.log.
func (c *Cluster) run(name string, args ...string) (*component, error) {
	p, err := startProcess(c.dir, name, c.bins.Path(name), args...)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.components = append(c.components, p)
	c.mu.Unlock()
	c.log.Debug("started "+name, "pid", p.cmd.Process.Pid, "log", p.logPath)
	return p, nil
}

// startProcess starts path in dir, in a process group of its own, with its
// output in dir/<name>.log.
func startProcess(dir, name, path string, args ...string) (*component, error) {
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	// Not CommandContext: the component outlives the ctx that started it.
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("controlplane: start %s: %w", name, err)
	}
	p := &component{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{}), stopping: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

// exited is nil while the component runs (or is being stopped by Close),
// else an error naming it, with the end of its log.
func (p *component) exited() error {
	select {
	case <-p.stopping:
		return nil
	default:
	}
	select {
	case <-p.done:
	default:
		return nil
	}
	status := "exited"
	if p.waitErr != nil {
		status = "exited (" + p.waitErr.Error() + ")"
	}
	log := p.logTail(20)
	err := fmt.Errorf("%s %s; last lines of %s:\n%s", p.name, status, p.logPath, log)
	if bytes.Contains([]byte(log), []byte("address already in use")) {
		err = fmt.Errorf("%w: %w", errPortInUse, err)
	}
	return err
}

func (p *component) logTail(n int) string {
	b, _ := os.ReadFile(p.logPath)
	return tail(b, n)
}

// stop ends the component's process group: SIGTERM, then SIGKILL after
// grace. The group is killed even after its leader exited, in case a
// component left a child behind.
func (p *component) stop(grace time.Duration) error {
	close(p.stopping)
	pid := p.cmd.Process.Pid
	if err := signalGroup(pid, sigTerm); err != nil {
		return fmt.Errorf("controlplane: stop %s (pid %d): %w", p.name, pid, err)
	}
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = signalGroup(pid, sigKill)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("controlplane: %s (pid %d) still running 10s after SIGKILL", p.name, pid)
		}
	}
	return signalGroup(pid, sigKill)
}

// args are the command lines. Every component uses the admin kubeconfig:
// one throwaway cluster needs no least privilege between its parts.
func (c *Cluster) args(name string) []string {
	kubeconfig := "--kubeconfig=" + c.kubeconfig
	switch name {
	case "kube-controller-manager":
		return []string{kubeconfig,
			"--leader-elect=false",
			"--secure-port=0", // no health port: we watch the process and the API
			"--service-account-private-key-file=" + filepath.Join(c.dir, saKeyFile),
			"--root-ca-file=" + filepath.Join(c.dir, caFile),
			"--cluster-signing-cert-file=" + filepath.Join(c.dir, caFile),
			"--cluster-signing-key-file=" + filepath.Join(c.dir, caKeyFile),
			"--service-cluster-ip-range=" + serviceCIDR,
		}
	case "kube-scheduler":
		return []string{kubeconfig, "--leader-elect=false", "--secure-port=0"}
	case "kwok":
		// Every node; with a real node, only the nodes made for kwok (Node
		// sets the annotation): the kubelet's node must stay the kubelet's.
		manage := "--manage-all-nodes=true"
		if c.wantRealNode {
			manage = "--manage-nodes-with-annotation-selector=" + kwokNodeAnnotation + "=fake"
		}
		return []string{kubeconfig,
			"--config=" + filepath.Join(c.dir, "kwok.yaml"),
			manage,
			// kwok's command line defaults this to 0: no leases, and ~80 s
			// after start the node-lifecycle controller marks every node
			// Unknown and its pods NotReady (measured here).
			"--node-lease-duration-seconds=40",
			// kwok's default pod CIDR (10.0.0.0/24) can overlap the Service
			// range.
			"--cidr=" + podCIDR,
		}
	}
	panic("controlplane: no arguments for " + name)
}

func (c *Cluster) startEtcd(ctx context.Context, port, peerPort int) error {
	client := fmt.Sprintf("http://127.0.0.1:%d", port)
	peer := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	_, err := c.run("etcd",
		"--name=controlplane",
		"--data-dir="+filepath.Join(c.dir, "etcd"),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=controlplane="+peer,
		"--unsafe-no-fsync", // a throwaway: its data dies with it anyway
		"--log-level=warn",
	)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	return c.waitFor(ctx, "etcd", func(ctx context.Context) (bool, error) {
		return httpOK(ctx, hc, client+"/health"), nil
	})
}

func (c *Cluster) startAPIServer(ctx context.Context, etcdPort int) error {
	_, err := c.run("kube-apiserver",
		fmt.Sprintf("--etcd-servers=http://127.0.0.1:%d", etcdPort),
		"--bind-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", c.apiPort),
		// A loopback advertise address makes the apiserver exit ("may not
		// be in the loopback range") unless nothing reconciles the
		// kubernetes Service's endpoints.
		"--advertise-address=127.0.0.1",
		"--endpoint-reconciler-type=none",
		"--cert-dir="+filepath.Join(c.dir, "apiserver-certs"),
		"--tls-cert-file="+filepath.Join(c.dir, servingCertFile),
		"--tls-private-key-file="+filepath.Join(c.dir, servingKeyFile),
		"--client-ca-file="+filepath.Join(c.dir, caFile),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+filepath.Join(c.dir, saPubFile),
		"--service-account-signing-key-file="+filepath.Join(c.dir, saKeyFile),
		"--service-cluster-ip-range="+serviceCIDR,
		"--authorization-mode=RBAC",
		// For logs and exec on a real node: the kubelet wants a client
		// certificate of the CA, and is reached at its node's IP.
		"--kubelet-client-certificate="+filepath.Join(c.dir, kubeletClientCertFile),
		"--kubelet-client-key="+filepath.Join(c.dir, kubeletClientKeyFile),
		"--kubelet-preferred-address-types=InternalIP,Hostname",
		"--allow-privileged=true",
		"--profiling=false",
	)
	if err != nil {
		return err
	}
	hc, err := c.adminHTTPClient()
	if err != nil {
		return err
	}
	return c.waitFor(ctx, "kube-apiserver /readyz", func(ctx context.Context) (bool, error) {
		return httpOK(ctx, hc, c.rest.Host+"/readyz"), nil
	})
}

func (c *Cluster) adminHTTPClient() (*http.Client, error) {
	cert, err := tls.X509KeyPair(c.rest.CertData, c.rest.KeyData)
	if err != nil {
		return nil, fmt.Errorf("controlplane: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.rest.CAData)
	return &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}},
	}, nil
}

func httpOK(ctx context.Context, hc *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

func kubeconfig(server string, p *pki) *clientcmdapi.Config {
	const name = "controlplane"
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[name] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: p.caPEM}
	cfg.AuthInfos[name] = &clientcmdapi.AuthInfo{ClientCertificateData: p.adminCertPEM, ClientKeyData: p.adminKey}
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: name, AuthInfo: name, Namespace: "default"}
	cfg.CurrentContext = name
	return cfg
}

// freePorts returns n distinct free ports on 127.0.0.1 (the listeners are
// open at once, so the kernel cannot hand out one twice).
func freePorts(n int) ([]int, error) {
	ports := make([]int, n)
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("controlplane: find a free port: %w", err)
		}
		defer l.Close()
		ports[i] = l.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}
