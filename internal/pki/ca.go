package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"path/filepath"
	"time"
)

const (
	caCommonName = "rudder-ca"
	caValidity   = 10 * 365 * 24 * time.Hour
	caCertFile   = "ca.crt"
	caKeyFile    = "ca.key"
	// clockSkew backdates every certificate so that a node whose clock is a
	// little behind the server's still accepts a certificate issued just now.
	clockSkew = time.Hour
)

// CA is the cluster's certificate authority: it signs the API server's
// serving certificate and every client identity (admin, nodes, components).
type CA struct {
	Cert    *x509.Certificate
	Key     crypto.Signer
	CertPEM []byte
}

// EnsureCA loads dir/ca.crt and dir/ca.key, or creates them when neither
// exists. A certificate without its key is an error rather than a reason to
// make a new CA: replacing a CA silently would invalidate every credential
// already handed out.
func EnsureCA(dir string) (*CA, error) {
	certPath, keyPath := filepath.Join(dir, caCertFile), filepath.Join(dir, caKeyFile)
	certPEM, haveCert, err := readIfExists(certPath)
	if err != nil {
		return nil, err
	}
	if !haveCert {
		// The key is written before the certificate, so a key without a
		// certificate is the trace of an interrupted creation: nothing can have
		// been signed with it yet, and starting over is safe.
		return createCA(certPath, keyPath)
	}
	keyPEM, haveKey, err := readIfExists(keyPath)
	if err != nil {
		return nil, err
	}
	if !haveKey {
		return nil, fmt.Errorf("CA certificate %s exists but its key %s does not", certPath, keyPath)
	}
	ca, err := parseCA(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("loading CA from %s: %w", dir, err)
	}
	return ca, nil
}

func parseCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, err
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, err
	}
	if !publicKeysEqual(key.Public(), cert.PublicKey) {
		return nil, errors.New("CA key does not match CA certificate")
	}
	if !cert.IsCA {
		return nil, errors.New("CA certificate is not marked as a CA")
	}
	return &CA{Cert: cert, Key: key, CertPEM: certPEM}, nil
}

func createCA(certPath, keyPath string) (*CA, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: caCommonName},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("creating CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing new CA certificate: %w", err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, err
	}
	certPEM := encodeCert(der)
	if err := writeFileAtomic(keyPath, keyPEM, secretMode); err != nil {
		return nil, fmt.Errorf("writing CA key: %w", err)
	}
	if err := writeFileAtomic(certPath, certPEM, publicMode); err != nil {
		return nil, fmt.Errorf("writing CA certificate: %w", err)
	}
	return &CA{Cert: cert, Key: key, CertPEM: certPEM}, nil
}

// Pool returns a certificate pool holding only this CA, for verifying peers.
func (ca *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return pool
}

// sign issues a certificate for pub from tmpl, filling in the serial number
// and validity. The end of validity is capped at the CA's own, since a
// certificate cannot be trusted longer than its issuer.
func (ca *CA) sign(tmpl *x509.Certificate, pub crypto.PublicKey, validity time.Duration) ([]byte, error) {
	if validity <= 0 {
		return nil, fmt.Errorf("validity must be positive, got %s", validity)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl.SerialNumber = serial
	tmpl.NotBefore = now.Add(-clockSkew)
	tmpl.NotAfter = now.Add(validity)
	if tmpl.NotAfter.After(ca.Cert.NotAfter) {
		tmpl.NotAfter = ca.Cert.NotAfter
	}
	tmpl.BasicConstraintsValid = true
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("signing certificate for %q: %w", tmpl.Subject.CommonName, err)
	}
	return encodeCert(der), nil
}
