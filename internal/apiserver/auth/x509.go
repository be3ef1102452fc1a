package auth

import (
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// X509 authenticates a request by its TLS client certificate: the user name
// is the certificate's common name and the groups are its organizations, as
// in Kubernetes. The chain is verified here even if the TLS server already
// did, so the result does not depend on how the listener was configured
// (e.g. tls.RequestClientCert verifies nothing).
type X509 struct {
	roots *x509.CertPool
	// verified remembers certificates whose chain already verified, so a
	// client's certificate is checked once, not on every request (chain
	// verification was a third of the server's CPU on small writes).
	mu       sync.Mutex
	verified map[[32]byte]time.Time // digest of the raw certificate -> NotAfter
}

// maxVerified bounds the memo; it is cleared when full.
const maxVerified = 10000

// NewX509 returns an authenticator trusting client certificates issued by roots.
func NewX509(roots *x509.CertPool) *X509 {
	return &X509{roots: roots, verified: map[[32]byte]time.Time{}}
}

// Authenticate implements Authenticator.
func (a *X509) Authenticate(r *http.Request) (User, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return User{}, false, nil
	}
	leaf := r.TLS.PeerCertificates[0]
	if err := a.verify(leaf, r.TLS.PeerCertificates[1:]); err != nil {
		return User{}, false, err
	}
	if leaf.Subject.CommonName == "" {
		return User{}, false, errors.New("client certificate has no common name")
	}
	u := User{Name: leaf.Subject.CommonName, Groups: slices.Clone(leaf.Subject.Organization)}
	return withAuthenticatedGroup(u), true, nil
}

// verify checks the chain, or finds it checked before and still valid.
func (a *X509) verify(leaf *x509.Certificate, chain []*x509.Certificate) error {
	key := sha256.Sum256(leaf.Raw)
	now := time.Now()
	a.mu.Lock()
	notAfter, ok := a.verified[key]
	a.mu.Unlock()
	if ok && now.Before(notAfter) && len(chain) == 0 {
		return nil
	}
	intermediates := x509.NewCertPool()
	for _, c := range chain {
		intermediates.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         a.roots,
		Intermediates: intermediates,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return fmt.Errorf("verifying client certificate %q: %w", leaf.Subject.CommonName, err)
	}
	a.mu.Lock()
	if len(a.verified) >= maxVerified {
		clear(a.verified)
	}
	a.verified[key] = leaf.NotAfter
	a.mu.Unlock()
	return nil
}
