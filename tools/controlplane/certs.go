package controlplane

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// pki is the throwaway public key infrastructure of one control plane: a CA
// that signs the apiserver's serving certificate and the admin's client
// certificate, and the key pair that signs service account tokens.
type pki struct {
	caCert                 *x509.Certificate
	caKey                  crypto.Signer
	caPEM                  []byte
	adminCertPEM, adminKey []byte
}

// Files in the control plane's folder.
const (
	caFile          = "ca.crt"
	caKeyFile       = "ca.key"
	servingCertFile = "apiserver.crt"
	servingKeyFile  = "apiserver.key"
	saKeyFile       = "sa.key"
	saPubFile       = "sa.pub"
	// The API server's client certificate towards kubelets.
	kubeletClientCertFile = "apiserver-kubelet-client.crt"
	kubeletClientKeyFile  = "apiserver-kubelet-client.key"
)

// serviceCIDR is the Service IP range; its first address is the
// kubernetes Service's, which the serving certificate must name. Pod IPs
// (kwok's --cidr) come from podCIDR, which must not overlap it.
const (
	serviceCIDR = "10.96.0.0/16"
	serviceIP   = "10.96.0.1"
	podCIDR     = "10.244.0.0/16"
)

func writePKI(dir string) (*pki, error) {
	now := time.Now().Add(-time.Minute) // tolerate a little clock skew
	p, err := writeCA(dir, now)
	if err != nil {
		return nil, err
	}
	if err := p.writeClients(dir, now); err != nil {
		return nil, err
	}
	if err := writeServiceAccountKeys(dir); err != nil {
		return nil, err
	}
	return p, nil
}

// writeCA makes the cluster's CA and writes it to dir.
func writeCA(dir string, now time.Time) (*pki, error) {
	p := &pki{}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "bloglabs-controlplane-ca"},
		NotBefore:             now,
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	if p.caCert, err = x509.ParseCertificate(der); err != nil {
		return nil, err
	}
	p.caKey = caKey
	p.caPEM = pemBlock("CERTIFICATE", der)
	if err := writeKeyPair(dir, caFile, caKeyFile, p.caPEM, caKey); err != nil {
		return nil, err
	}
	return p, nil
}

// writeClients issues the API server's serving certificate and the client
// certificates (admin, the API server's own to the kubelet) and writes them
// to dir.
func (p *pki) writeClients(dir string, now time.Time) error {
	serving := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster", "kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.IPv6loopback, net.ParseIP(serviceIP)},
	}
	certPEM, key, err := p.issue(serving, now)
	if err != nil {
		return err
	}
	if err := writeKeyPair(dir, servingCertFile, servingKeyFile, certPEM, key); err != nil {
		return err
	}

	// system:masters: the admin, and the identity every component uses here
	// (one throwaway cluster needs no least privilege between its parts).
	admin := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if p.adminCertPEM, key, err = p.issue(admin, now); err != nil {
		return err
	}
	if p.adminKey, err = keyPEM(key); err != nil {
		return err
	}

	kubeletClient := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "kube-apiserver-kubelet-client", Organization: []string{"system:masters"}},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if certPEM, key, err = p.issue(kubeletClient, now); err != nil {
		return err
	}
	if err := writeKeyPair(dir, kubeletClientCertFile, kubeletClientKeyFile, certPEM, key); err != nil {
		return err
	}
	return nil
}

// writeServiceAccountKeys writes the key pair that signs and checks service
// account tokens.
func writeServiceAccountKeys(dir string) error {
	// RSA: the one key type every consumer of service account tokens takes.
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, saPubFile), pemBlock("PUBLIC KEY", pub), 0o600); err != nil {
		return err
	}
	saPEM, err := keyPEM(saKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, saKeyFile), saPEM, 0o600); err != nil {
		return err
	}
	return nil
}

// issue signs tmpl with the CA for a fresh ECDSA key.
func (p *pki) issue(tmpl *x509.Certificate, now time.Time) (certPEM []byte, key crypto.Signer, err error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl.SerialNumber = serial()
	tmpl.NotBefore = now
	tmpl.NotAfter = now.Add(365 * 24 * time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, k.Public(), p.caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("sign %s: %w", tmpl.Subject.CommonName, err)
	}
	return pemBlock("CERTIFICATE", der), k, nil
}

func writeKeyPair(dir, certFile, keyFile string, certPEM []byte, key crypto.Signer) error {
	kp, err := keyPEM(key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, certFile), certPEM, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, keyFile), kp, 0o600)
}

func keyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pemBlock("PRIVATE KEY", der), nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	return n
}
