package pki

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"
)

// Node identities, as Kubernetes names them.
const (
	NodeUserPrefix = "system:node:"
	NodesGroup     = "system:nodes"
)

// KubeletServingValidity is how long a node's serving certificate lasts.
const KubeletServingValidity = 365 * 24 * time.Hour

// SignKubeletServingCSR signs a node's serving certificate (its HTTPS
// endpoint for logs, exec and port-forward) from the node's CSR: CN
// system:node:<nodeName>, O system:nodes, server auth, and hosts as SANs.
// The API server checks this CN when it connects to the node, so the
// certificate binds the endpoint to the node name whatever its address.
func (ca *CA) SignKubeletServingCSR(csrPEM []byte, nodeName string, hosts []string, validity time.Duration) ([]byte, error) {
	csr, err := parseCSR(csrPEM)
	if err != nil {
		return nil, err
	}
	return ca.signKubeletServing(csr.PublicKey, nodeName, hosts, validity)
}

// IssueKubeletServing creates a key and a serving certificate for a node in
// one step (for an agent running inside the server process).
func (ca *CA) IssueKubeletServing(nodeName string, hosts []string, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	if certPEM, err = ca.signKubeletServing(key.Public(), nodeName, hosts, validity); err != nil {
		return nil, nil, err
	}
	if keyPEM, err = encodeKey(key); err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, nil
}

func (ca *CA) signKubeletServing(pub any, nodeName string, hosts []string, validity time.Duration) ([]byte, error) {
	if nodeName == "" {
		return nil, errors.New("kubelet serving certificate needs a node name")
	}
	if err := checkPublicKey(pub); err != nil {
		return nil, fmt.Errorf("kubelet serving certificate for %q: %w", nodeName, err)
	}
	dns, ips := splitHosts(append([]string{nodeName}, hosts...))
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: NodeUserPrefix + nodeName, Organization: []string{NodesGroup}},
		DNSNames:    dns,
		IPAddresses: ips,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	certPEM, err := ca.sign(tmpl, pub, validity)
	if err != nil {
		return nil, fmt.Errorf("issuing kubelet serving certificate: %w", err)
	}
	return certPEM, nil
}

// splitHosts sorts host names and IP addresses into SAN lists, once each.
func splitHosts(hosts []string) (dns []string, ips []net.IP) {
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
			if !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
			continue
		}
		if h = strings.ToLower(h); !slices.Contains(dns, h) {
			dns = append(dns, h)
		}
	}
	return dns, ips
}

func parseCSR(csrPEM []byte) (*x509.CertificateRequest, error) {
	block, _ := pem.Decode(csrPEM)
	if block == nil || block.Type != pemCSR {
		return nil, errors.New("no CERTIFICATE REQUEST PEM block found")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("certificate request signature: %w", err)
	}
	return csr, nil
}
