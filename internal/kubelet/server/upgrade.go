package server

import (
	"net/http"
	"net/http/httputil"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// proxyUpgrade passes a request (an SPDY upgrade, normally) to the
// runtime's streaming server unchanged, then splices the upgraded
// connection both ways: the runtime and the client speak SPDY to each other.
func (s *Server) proxyUpgrade(w http.ResponseWriter, r *http.Request, target *url.URL) {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			u := *target
			pr.Out.URL = &u
			pr.Out.Host = target.Host
		},
		Transport:     runtimeTransport(),
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeError(w, apierrors.NewServiceUnavailable("error dialing the container runtime's streaming server: "+err.Error()))
		},
	}
	rp.ServeHTTP(w, r)
}

// runtimeTransport reaches the runtime's streaming server, a local plain
// HTTP endpoint: never through an environment proxy, always HTTP/1.1
// (upgrades do not exist in HTTP/2).
func runtimeTransport() *http.Transport {
	return &http.Transport{Proxy: nil, ForceAttemptHTTP2: false, DisableKeepAlives: true}
}
