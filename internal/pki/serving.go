package pki

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const (
	servingCommonName = "rudder-apiserver"
	servingValidity   = 365 * 24 * time.Hour
	// servingRenewBefore: EnsureServing re-issues a certificate that would
	// expire within this window, so a server restarted now and then never
	// serves an expired one.
	servingRenewBefore = 90 * 24 * time.Hour
	servingCertFile    = "serving.crt"
	servingKeyFile     = "serving.key"
)

// defaultServingHosts are the names a client inside or outside the cluster
// uses for the API server: loopback, and the "kubernetes" Service (first IP
// of the service CIDR 10.43.0.0/16) with its DNS names.
var defaultServingHosts = []string{
	"localhost",
	"127.0.0.1",
	"10.43.0.1",
	"kubernetes",
	"kubernetes.default",
	"kubernetes.default.svc",
	"kubernetes.default.svc.cluster.local",
}

// servingSANs splits the default hosts plus hosts into DNS names and IPs,
// dropping blanks and duplicates. Host names compare case-insensitively.
func servingSANs(hosts []string) (dns []string, ips []net.IP) {
	for _, h := range slices.Concat(defaultServingHosts, hosts) {
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
		h = strings.ToLower(h)
		if !slices.Contains(dns, h) {
			dns = append(dns, h)
		}
	}
	return dns, ips
}

// IssueServing issues a TLS server certificate and a new key for the default
// API server names plus hosts (DNS names or IP addresses).
func (ca *CA) IssueServing(hosts []string) (certPEM, keyPEM []byte, err error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	dns, ips := servingSANs(hosts)
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: servingCommonName},
		DNSNames:    dns,
		IPAddresses: ips,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	certPEM, err = ca.sign(tmpl, key.Public(), servingValidity)
	if err != nil {
		return nil, nil, fmt.Errorf("issuing serving certificate: %w", err)
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, nil
}

// EnsureServing returns the serving certificate in dir/serving.crt and
// dir/serving.key if it is still good (signed by ca, covering every host, not
// close to expiry), and otherwise issues, stores and returns a new one.
// Reusing it keeps clients that pinned nothing but the CA undisturbed and
// saves work at start.
func EnsureServing(dir string, ca *CA, hosts []string) (tls.Certificate, error) {
	certPath, keyPath := filepath.Join(dir, servingCertFile), filepath.Join(dir, servingKeyFile)
	if pair, ok := loadServing(certPath, keyPath, ca, hosts); ok {
		return pair, nil
	}
	certPEM, keyPEM, err := ca.IssueServing(hosts)
	if err != nil {
		return tls.Certificate{}, err
	}
	// Either write order is safe: a mismatched pair left by a crash fails
	// loadServing and is simply replaced on the next start.
	if err := writeFileAtomic(keyPath, keyPEM, secretMode); err != nil {
		return tls.Certificate{}, fmt.Errorf("writing serving key: %w", err)
	}
	if err := writeFileAtomic(certPath, certPEM, publicMode); err != nil {
		return tls.Certificate{}, fmt.Errorf("writing serving certificate: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("loading new serving certificate: %w", err)
	}
	return pair, nil
}

// loadServing reports whether the stored pair can be reused. Any problem
// (missing, corrupt, foreign, stale) just means "issue a new one".
func loadServing(certPath, keyPath string, ca *CA, hosts []string) (tls.Certificate, bool) {
	pair, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil || len(pair.Certificate) == 0 {
		return tls.Certificate{}, false
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return tls.Certificate{}, false
	}
	if !servingStillGood(leaf, ca, hosts, time.Now()) {
		return tls.Certificate{}, false
	}
	pair.Leaf = leaf
	return pair, true
}

func servingStillGood(leaf *x509.Certificate, ca *CA, hosts []string, now time.Time) bool {
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:       ca.Pool(),
		CurrentTime: now.Add(servingRenewBefore),
		KeyUsages:   []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if err != nil {
		return false
	}
	dns, ips := servingSANs(hosts)
	for _, ip := range ips {
		if !slices.ContainsFunc(leaf.IPAddresses, ip.Equal) {
			return false
		}
	}
	for _, name := range dns {
		if !slices.ContainsFunc(leaf.DNSNames, func(n string) bool { return strings.EqualFold(n, name) }) {
			return false
		}
	}
	return true
}
