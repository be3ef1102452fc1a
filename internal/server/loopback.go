package server

import (
	"k8s.io/client-go/rest"

	"rudder/internal/apiserver/auth"
	"rudder/internal/clientconfig"
)

// ClientConfig is the client of a component that runs in the API server's
// process (controllers, scheduler, the server's own admission lookups):
// its requests go to the server's handler in memory, as user, and are
// authenticated, authorized and admitted like any other.
func (s *Server) ClientConfig(user string, groups []string) (*rest.Config, error) {
	return clientconfig.Component(&rest.Config{
		Host:      "http://in-process.rudder.local",
		Transport: &inProcessTransport{server: s, user: auth.User{Name: user, Groups: groups}},
		UserAgent: user,
	}, 2000, 4000), nil
}
