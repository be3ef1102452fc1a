package server

import (
	"net/http"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Identities allowed to use the node's API: the agent accepts only the API
// server (which has done authentication and authorization of the user), or
// a cluster administrator.
const (
	apiServerUser = "system:apiserver"
	mastersGroup  = "system:masters"
)

// authorize lets through only TLS clients whose verified certificate names
// the API server. /healthz is open to any client the TLS layer verified.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		if !allowedClient(r) {
			writeError(w, apierrors.NewForbidden(schema.GroupResource{Resource: "nodes"}, "",
				errString("only the API server may use the node's API")))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allowedClient checks the verified chain (VerifiedChains is empty unless
// the TLS layer checked the certificate against the cluster CA).
func allowedClient(r *http.Request) bool {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		return false
	}
	leaf := r.TLS.VerifiedChains[0][0]
	return leaf.Subject.CommonName == apiServerUser || slices.Contains(leaf.Subject.Organization, mastersGroup)
}

type errString string

func (e errString) Error() string { return string(e) }
