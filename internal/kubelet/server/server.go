// Package server is the node agent's HTTPS endpoint (the kubelet's port
// 10250): container logs, exec, attach and port-forward for the API server,
// plus /healthz and /pods. Only the API server may call it (see authz.go).
package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"

	"rudder/internal/kubelet/runtime"
)

// Config is what the server is built from.
type Config struct {
	// Runtime finds containers and their log files; if it also implements
	// runtime.Streamer, exec, attach and port-forward are served.
	Runtime runtime.Runtime
	// Pods lists the pods bound to this node, for /pods (optional).
	Pods func(ctx context.Context) ([]corev1.Pod, error)
	// ServingCert is the node's serving certificate, signed by the cluster CA.
	ServingCert tls.Certificate
	// ClientCAs verifies client certificates (the cluster CA).
	ClientCAs *x509.CertPool
	// FollowPoll is how often a followed log file is checked for new data
	// when it has none (default 250ms); tests need not change it.
	FollowPoll time.Duration
	Logger     *slog.Logger
}

// Server serves the kubelet API.
type Server struct {
	cfg     Config
	handler http.Handler
}

// New validates cfg and builds the server.
func New(cfg Config) (*Server, error) {
	if cfg.Runtime == nil {
		return nil, errors.New("kubelet server: Runtime is required")
	}
	if cfg.ClientCAs == nil {
		return nil, errors.New("kubelet server: ClientCAs is required")
	}
	if cfg.FollowPoll <= 0 {
		cfg.FollowPoll = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg}
	s.handler = s.routes()
	return s, nil
}

// Handler is the HTTP handler, with authorization, without TLS. Callers
// that terminate TLS themselves must require client certificates verified
// against Config.ClientCAs.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc("GET /pods", s.servePods)
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", s.serveLogs)
	mux.HandleFunc("/exec/{namespace}/{pod}/{container}", s.serveExec)
	mux.HandleFunc("/attach/{namespace}/{pod}/{container}", s.serveAttach)
	mux.HandleFunc("/portForward/{namespace}/{pod}", s.servePortForward)
	return s.authorize(mux)
}

// TLSConfig is the server side TLS configuration: the node's certificate,
// and client certificates required and verified against the cluster CA.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{s.cfg.ServingCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    s.cfg.ClientCAs,
		MinVersion:   tls.VersionTLS12,
		// Upgrades (SPDY, websocket) need HTTP/1.1.
		NextProtos: []string{"http/1.1"},
	}
}

// Serve serves HTTPS on ln until ctx ends, then closes every connection
// (long-running log follows and exec sessions included).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		TLSConfig:         s.TLSConfig(),
		ReadHeaderTimeout: 30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		_ = srv.Close()
	}()
	err := srv.ServeTLS(ln, "", "")
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return fmt.Errorf("kubelet server: %w", err)
}

// ListenAndServe listens on addr (e.g. ":10250") and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("kubelet server: listening on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}
