package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// IssueClient issues a TLS client certificate and a new key for the identity
// (commonName, groups). Kubernetes reads a client certificate's CN as the user
// name and its Organization values as the groups, so that is where they go.
func (ca *CA) IssueClient(commonName string, groups []string, validity time.Duration) (certPEM, keyPEM []byte, err error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	certPEM, err = ca.signClient(key.Public(), commonName, groups, validity)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return nil, nil, err
	}
	return certPEM, keyPEM, nil
}

// SignCSR signs the public key of a PEM certificate signing request as a
// client certificate for (commonName, groups). The request's own subject is
// ignored: the server, not the requester, decides who the requester is. The
// request's signature is checked, proving the requester holds the key.
func (ca *CA) SignCSR(csrPEM []byte, commonName string, groups []string, validity time.Duration) ([]byte, error) {
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
	return ca.signClient(csr.PublicKey, commonName, groups, validity)
}

func (ca *CA) signClient(pub crypto.PublicKey, commonName string, groups []string, validity time.Duration) ([]byte, error) {
	if commonName == "" {
		return nil, errors.New("client certificate needs a common name")
	}
	if err := checkPublicKey(pub); err != nil {
		return nil, fmt.Errorf("client certificate for %q: %w", commonName, err)
	}
	tmpl := &x509.Certificate{
		Subject:     pkix.Name{CommonName: commonName, Organization: groups},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	certPEM, err := ca.sign(tmpl, pub, validity)
	if err != nil {
		return nil, fmt.Errorf("issuing client certificate: %w", err)
	}
	return certPEM, nil
}

// NewCSR makes a new key and a certificate signing request for it, as a node
// joining the cluster does before it asks the server for its identity.
func NewCSR(commonName string) (csrPEM, keyPEM []byte, err error) {
	key, err := newKey()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.CertificateRequest{Subject: pkix.Name{CommonName: commonName}}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, nil, fmt.Errorf("creating certificate request: %w", err)
	}
	keyPEM, err = encodeKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemCSR, Bytes: der}), keyPEM, nil
}
