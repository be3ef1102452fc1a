package server

import (
	"net/http"

	"k8s.io/client-go/rest"

	"rudder/internal/apiserver/auth"
	"rudder/internal/clientconfig"
)

// inProcessHandler is the API handler once built, else nil.
func (s *Server) inProcessHandler() http.Handler {
	if api := s.apiHandler.Load(); api != nil {
		return api
	}
	return nil
}

// ClientConfig is the client of a component that runs in the API server's
// process (controllers, scheduler, the server's own admission lookups):
// its requests go to the server's handler in memory, as user, and are
// authenticated, authorized and admitted like any other.
func (s *Server) ClientConfig(user string, groups []string) (*rest.Config, error) {
	return clientconfig.Component(&rest.Config{
		Host:      "http://in-process.rudder.local",
		Transport: &inProcessTransport{handler: s.inProcessHandler, done: s.bgCtx, run: s.requests.Go, user: auth.User{Name: user, Groups: groups}},
		UserAgent: user,
	}, 2000, 4000), nil
}
