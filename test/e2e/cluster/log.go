package cluster

import "os"

// Log returns the server's whole log so far (every run), for tests that
// check what the control plane reported.
func (s *Server) Log() string {
	data, err := os.ReadFile(s.LogPath)
	if err != nil {
		return ""
	}
	return string(data)
}
