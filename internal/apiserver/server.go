// Package apiserver serves the Kubernetes REST API over HTTP: routing,
// content negotiation, the REST verbs, watch, discovery, tables and
// patches, generic over the kinds in an api.Registry and the Stores that
// persist them.
package apiserver

import (
	"fmt"
	"net/http"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"rudder/internal/api"
	"rudder/internal/apiserver/auth"
	"rudder/internal/storage"
)

// Config is what the API server is built from.
type Config struct {
	Registry *api.Registry
	// Stores holds one Store per storage resource (group/resource of the
	// kind, or of its StoredAs).
	Stores        map[schema.GroupResource]storage.Store
	Authenticator auth.Authenticator
	Authorizer    auth.Authorizer
	// Admission runs on every create, update and delete, after defaulting
	// and validation, before storage (allocation of Service IPs, namespace
	// lifecycle, quotas...).
	Admission []Admission
	// OpenAPI serves /openapi/v2 and /openapi/v3 (optional).
	OpenAPI http.Handler
	// Extra handlers for non-resource paths (e.g. "/metrics").
	Extra map[string]http.Handler
	// Subresources handles connect-style subresources (pods/log, exec,
	// attach, portforward, proxy) that reach the node agent.
	Subresources map[string]SubresourceHandler
	// Version is reported at /version.
	Version VersionInfo
	// PublicPath, when set, lets more paths than the health probes and
	// /version be read without credentials (e.g. image pulls).
	PublicPath func(*http.Request) bool
}

// VersionInfo is reported at /version.
type VersionInfo struct {
	Major, Minor, GitVersion, GitCommit string
}

// SubresourceHandler serves a connect subresource for one object.
type SubresourceHandler func(w http.ResponseWriter, r *http.Request, namespace, name string, rest []string)

// Server is the API server's HTTP handler and the generic REST logic.
type Server struct {
	cfg    Config
	scheme *runtime.Scheme
	// typeConverter serves every kind's field managers.
	typeConverter *typeConverter
	// encoded shares watch events' encodings among watchers.
	encoded   *encodedEvents
	codecs    serializer.CodecFactory
	kinds     map[schema.GroupVersionResource]*resource
	discovery *discovery
	ready     atomic.Bool
	metrics   *metrics
	handler   http.Handler
}

// New builds the server; it validates that every kind has a store.
func New(cfg Config) (*Server, error) {
	s := &Server{cfg: cfg, scheme: newScheme()}
	s.typeConverter = newTypeConverter(s.scheme)
	s.encoded = newEncodedEvents()
	s.codecs = serializer.NewCodecFactory(s.scheme, serializer.EnableStrict)
	s.kinds = map[schema.GroupVersionResource]*resource{}
	for _, k := range cfg.Registry.Kinds() {
		res, err := s.newResource(k)
		if err != nil {
			return nil, fmt.Errorf("resource %s: %w", k.GVR(), err)
		}
		s.kinds[k.GVR()] = res
	}
	s.discovery = newDiscovery(cfg.Registry)
	s.metrics = newMetrics(nil)
	s.handler = s.buildHandler()
	return s, nil
}

// SetReady flips /readyz once the caller finished starting dependents.
func (s *Server) SetReady(v bool) { s.ready.Store(v) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Scheme is the type scheme the server encodes with.
func (s *Server) Scheme() *runtime.Scheme { return s.scheme }

func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", s.health)
	mux.HandleFunc("/livez", s.health)
	mux.HandleFunc("/readyz", s.readyz)
	mux.HandleFunc("/version", s.version)
	mux.HandleFunc("/api", s.discovery.serveLegacyRoot)
	mux.HandleFunc("/apis", s.discovery.serveGroups)
	if s.cfg.OpenAPI != nil {
		mux.Handle("/openapi/", s.cfg.OpenAPI)
	}
	for p, h := range s.cfg.Extra {
		mux.Handle(p, h)
	}
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/apis/", s.serveAPI)
	var h http.Handler = mux
	h = s.withAuthorization(h)
	if s.cfg.Authenticator != nil {
		h = auth.WithAuthentication(h, s.cfg.Authenticator, s.isPublic)
	}
	return withPanicRecovery(h)
}

// isPublic says whether a request may go without credentials.
func (s *Server) isPublic(r *http.Request) bool {
	if publicPath(r) {
		return true
	}
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	return read && s.cfg.PublicPath != nil && s.cfg.PublicPath(r)
}

// publicPath lists what probes may read without credentials.
func publicPath(r *http.Request) bool {
	switch r.URL.Path {
	case "/healthz", "/livez", "/readyz", "/version":
		return true
	}
	return false
}

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok"))
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	s.health(w, r)
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	v := s.cfg.Version
	writeJSON(w, http.StatusOK, map[string]string{
		"major": v.Major, "minor": v.Minor, "gitVersion": v.GitVersion,
		"gitCommit": v.GitCommit, "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z",
		"goVersion": goVersion(), "compiler": "gc", "platform": platform(),
	})
}
