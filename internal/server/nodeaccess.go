package server

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"rudder/internal/apiserver"
	"rudder/internal/apiserver/auth"
	"rudder/internal/pki"
)

// apiServerUser is the identity the API server shows node agents; they
// accept no other (see internal/kubelet/server).
const apiServerUser = "system:apiserver"

// nodeCertValidity is how long joined nodes' certificates last.
const nodeCertValidity = 365 * 24 * time.Hour

// kubeletClient makes the API server's client certificate for reaching
// node agents (issued at each start; nothing to store).
func kubeletClient(ca *pki.CA) (apiserver.KubeletClient, error) {
	certPEM, keyPEM, err := ca.IssueClient(apiServerUser, nil, nodeCertValidity)
	if err != nil {
		return apiserver.KubeletClient{}, fmt.Errorf("kubelet client certificate: %w", err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return apiserver.KubeletClient{}, fmt.Errorf("kubelet client certificate: %w", err)
	}
	return apiserver.KubeletClient{ClientCert: pair, RootCAs: ca.Pool()}, nil
}

// JoinToken is the token to give joining nodes: the secret of
// <data-dir>/token with the CA's hash, so the node can tell the real
// server from an impostor before sending the secret.
func (s *Server) JoinToken() string { return pki.FullJoinToken(s.CA, s.Token) }

// caPublicPath lets anyone read the CA: joining nodes fetch it before they
// may present their token, and check it against the token's hash.
func caPublicPath(r *http.Request) bool { return r.URL.Path == pki.CAPath }

// caHandler serves the cluster CA certificate (PEM).
func (s *Server) caHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write(s.CA.CertPEM)
	})
}

// joinHandler signs a joining node's certificates. Only holders of the
// join token (system:bootstrappers) and administrators may ask.
func (s *Server) joinHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		u, _ := auth.UserFrom(r.Context())
		if !u.InGroup(auth.GroupBootstrappers) && !u.InGroup(auth.GroupMasters) {
			http.Error(w, "joining needs the join token", http.StatusForbidden)
			return
		}
		var req pki.JoinRequest
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
			http.Error(w, "decoding join request: "+err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := s.signJoin(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	})
}

func (s *Server) signJoin(req pki.JoinRequest) (pki.JoinResponse, error) {
	if errs := validation.IsDNS1123Subdomain(req.NodeName); len(errs) > 0 {
		return pki.JoinResponse{}, fmt.Errorf("invalid node name %q: %v", req.NodeName, errs)
	}
	client, err := s.CA.SignCSR([]byte(req.CSR), pki.NodeUserPrefix+req.NodeName, []string{pki.NodesGroup}, nodeCertValidity)
	if err != nil {
		return pki.JoinResponse{}, fmt.Errorf("client certificate: %w", err)
	}
	resp := pki.JoinResponse{CAPEM: string(s.CA.CertPEM), ClientCertPEM: string(client)}
	if req.ServingCSR != "" {
		serving, err := s.CA.SignKubeletServingCSR([]byte(req.ServingCSR), req.NodeName, req.Hosts, pki.KubeletServingValidity)
		if err != nil {
			return pki.JoinResponse{}, fmt.Errorf("serving certificate: %w", err)
		}
		resp.ServingCertPEM = string(serving)
	}
	return resp, nil
}
