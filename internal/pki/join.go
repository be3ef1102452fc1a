package pki

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// The join protocol between `rudder agent --server --token` and the
// server. The server serves its CA at CAPath to anyone (it is public) and
// signs node certificates at JoinPath for holders of the join token.
const (
	CAPath   = "/rudder/v1/ca"
	JoinPath = "/rudder/v1/join"
)

// JoinRequest asks for a node's credentials. CSRs are PEM.
type JoinRequest struct {
	NodeName string `json:"nodeName"`
	// CSR is for the node's client certificate (the key never leaves the node).
	CSR string `json:"csr"`
	// ServingCSR, optional, is for the node's serving certificate; Hosts are
	// its extra SANs (the node name is always one).
	ServingCSR string   `json:"servingCSR,omitempty"`
	Hosts      []string `json:"hosts,omitempty"`
}

// JoinResponse carries the signed certificates and the CA, PEM.
type JoinResponse struct {
	CAPEM          string `json:"caPEM"`
	ClientCertPEM  string `json:"clientCertPEM"`
	ServingCertPEM string `json:"servingCertPEM,omitempty"`
}

// tokenHashSep separates the CA hash from the secret in a full join token:
// rudder-<sha256 of the CA certificate, hex>::<secret>.
const tokenHashSep = "::"

// CAHash is the hex SHA-256 of the CA certificate (DER): what a full join
// token carries so a joining node can authenticate the server.
func CAHash(ca *CA) string {
	sum := sha256.Sum256(ca.Cert.Raw)
	return hex.EncodeToString(sum[:])
}

// FullJoinToken combines the CA hash with the secret token (the content of
// <data-dir>/token): give this form to joining nodes.
func FullJoinToken(ca *CA, secret string) string {
	return tokenPrefix + CAHash(ca) + tokenHashSep + secret
}

// ParseJoinToken splits a full token into the CA hash and the secret; a
// bare secret has no hash (the node then trusts the first CA it is shown).
func ParseJoinToken(token string) (caHash, secret string, err error) {
	token = strings.TrimSpace(token)
	head, secret, full := strings.Cut(token, tokenHashSep)
	if !full {
		if token == "" {
			return "", "", errors.New("empty join token")
		}
		return "", token, nil
	}
	caHash, ok := strings.CutPrefix(head, tokenPrefix)
	if !ok || len(caHash) != sha256.Size*2 {
		return "", "", fmt.Errorf("join token: CA hash must be %s<%d hex digits>", tokenPrefix, sha256.Size*2)
	}
	if _, err := hex.DecodeString(caHash); err != nil {
		return "", "", fmt.Errorf("join token: CA hash: %w", err)
	}
	if secret == "" {
		return "", "", errors.New("join token: empty secret after the CA hash")
	}
	return strings.ToLower(caHash), secret, nil
}

// VerifyCAHash checks that certDER (a CA certificate) has the given hash.
func VerifyCAHash(certDER []byte, caHash string) error {
	sum := sha256.Sum256(certDER)
	got := hex.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(got), []byte(strings.ToLower(caHash))) != 1 {
		return fmt.Errorf("the server's CA has hash %s, the join token expects %s", got, caHash)
	}
	return nil
}
