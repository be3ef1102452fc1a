package auth

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// X509 authenticates a request by its TLS client certificate: the user name
// is the certificate's common name and the groups are its organizations, as
// in Kubernetes. The chain is verified here even if the TLS server already
// did, so the result does not depend on how the listener was configured
// (e.g. tls.RequestClientCert verifies nothing).
type X509 struct {
	roots *x509.CertPool
}

// NewX509 returns an authenticator trusting client certificates issued by roots.
func NewX509(roots *x509.CertPool) *X509 {
	return &X509{roots: roots}
}

// Authenticate implements Authenticator.
func (a *X509) Authenticate(r *http.Request) (User, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return User{}, false, nil
	}
	leaf := r.TLS.PeerCertificates[0]
	intermediates := x509.NewCertPool()
	for _, c := range r.TLS.PeerCertificates[1:] {
		intermediates.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         a.roots,
		Intermediates: intermediates,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return User{}, false, fmt.Errorf("verifying client certificate %q: %w", leaf.Subject.CommonName, err)
	}
	if leaf.Subject.CommonName == "" {
		return User{}, false, errors.New("client certificate has no common name")
	}
	u := User{Name: leaf.Subject.CommonName, Groups: slices.Clone(leaf.Subject.Organization)}
	return withAuthenticatedGroup(u), true, nil
}
