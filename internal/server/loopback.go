package server

import (
	"fmt"
	"rudder/internal/clientconfig"
	"time"

	"k8s.io/client-go/rest"
)

// ClientConfig is a loopback client identity for an in-process component
// (controllers, scheduler, agent); components reach the API server like
// any other client, with their own certificate.
func (s *Server) ClientConfig(user string, groups []string) (*rest.Config, error) {
	cert, key, err := s.CA.IssueClient(user, groups, 365*24*time.Hour)
	if err != nil {
		return nil, fmt.Errorf("client identity for %s: %w", user, err)
	}
	return clientconfig.Component(&rest.Config{
		Host:            s.URL,
		TLSClientConfig: rest.TLSClientConfig{CAData: s.CA.CertPEM, CertData: cert, KeyData: key},
		UserAgent:       user,
	}, 2000, 4000), nil
}
