package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
)

// Tokens authenticates static tokens from a fixed table (the join token, and
// any static tokens an operator configures). A token comes as a bearer token
// or as the password of HTTP Basic auth with any user name: the form OCI
// registry clients (crane, docker login) send, so images can be pushed to
// the cluster registry with the join token.
type Tokens struct {
	entries []tokenEntry
}

type tokenEntry struct {
	digest [sha256.Size]byte
	user   User
}

// NewTokens returns an authenticator for the given token → user table.
func NewTokens(table map[string]User) *Tokens {
	t := &Tokens{}
	for tok, u := range table {
		if tok == "" {
			continue // an empty token would match a bare "Bearer " header
		}
		t.entries = append(t.entries, tokenEntry{digest: sha256.Sum256([]byte(tok)), user: u})
	}
	return t
}

// Authenticate implements Authenticator.
func (t *Tokens) Authenticate(r *http.Request) (User, bool, error) {
	tok, ok := bearerToken(r)
	if !ok {
		tok, ok = basicPassword(r)
	}
	if !ok {
		return User{}, false, nil
	}
	// Compare fixed-size digests against every entry without stopping early,
	// so the time taken reveals neither the token length nor which entry
	// (if any) came close.
	digest := sha256.Sum256([]byte(tok))
	found := -1
	for i, e := range t.entries {
		if subtle.ConstantTimeCompare(digest[:], e.digest[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return User{}, false, errors.New("invalid token")
	}
	return withAuthenticatedGroup(t.entries[found].user), true, nil
}

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header. Other schemes and empty tokens count as no token at all.
func bearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// basicPassword extracts the password of an "Authorization: Basic" header;
// the user name is ignored (registry clients insist on one but the token
// alone identifies the caller). Malformed headers and empty passwords count
// as no credential.
func basicPassword(r *http.Request) (string, bool) {
	_, pass, ok := r.BasicAuth()
	return pass, ok && pass != ""
}
