package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"

	"rudder/internal/images"
	"rudder/internal/registry"
)

// openRegistry opens the cluster's image registry in the data dir; it is
// served on the API server's port under /v2/.
func (s *Server) openRegistry() (http.Handler, error) {
	reg, err := registry.New(filepath.Join(s.opts.DataDir, "registry"))
	if err != nil {
		return nil, fmt.Errorf("image registry: %w", err)
	}
	s.registry = reg
	return reg.Handler(), nil
}

// seedImages makes the pause and busybox images present. It builds them on
// first start (reproducibly, no download) and is a no-op afterwards.
func (s *Server) seedImages(ctx context.Context) error {
	src := images.Sources{WorkDir: filepath.Join(s.opts.DataDir, "images")}
	if err := images.SeedFrom(ctx, s.registry, src); err != nil {
		return fmt.Errorf("seeding base images: %w", err)
	}
	slog.Info("base images ready", "pause", images.PauseRef, "busybox", images.BusyboxRef)
	return nil
}

// registryReadPath: pulls need no credentials (nodes pull before they have
// any, and images hold no secrets here); pushes need an identity.
func registryReadPath(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/v2/") || r.URL.Path == "/v2"
}
