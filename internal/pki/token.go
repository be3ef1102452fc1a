package pki

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

const tokenPrefix = "rudder-"

// EnsureToken returns the join token stored at path, creating it on first
// use: "rudder-" followed by 32 hex digits (128 random bits). It is kept, not
// regenerated, so that instructions given to operators stay valid across
// restarts. A token placed there by an operator is used as it is.
func EnsureToken(path string) (string, error) {
	data, ok, err := readIfExists(path)
	if err != nil {
		return "", err
	}
	if ok {
		tok := strings.TrimSpace(string(data))
		if tok == "" {
			return "", fmt.Errorf("token file %s is empty", path)
		}
		return tok, nil
	}
	tok, err := newToken()
	if err != nil {
		return "", err
	}
	if err := writeFileAtomic(path, []byte(tok+"\n"), secretMode); err != nil {
		return "", fmt.Errorf("writing join token: %w", err)
	}
	return tok, nil
}

func newToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating token: %w", err)
	}
	return tokenPrefix + hex.EncodeToString(b), nil
}
