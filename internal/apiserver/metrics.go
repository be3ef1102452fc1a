package apiserver

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the request figures Kubernetes' SLOs are stated in
// (apiserver_request_duration_seconds by verb and resource).
type metrics struct {
	duration *prometheus.HistogramVec
	total    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		reg = prometheus.DefaultRegisterer
	}
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "apiserver_request_duration_seconds",
			Help:    "Response latency by verb, group, resource and subresource (watches and connections excluded).",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 10, 30, 60},
		}, []string{"verb", "group", "resource", "subresource"}),
		total: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_request_total",
			Help: "Requests by verb, group, resource, subresource and HTTP code.",
		}, []string{"verb", "group", "resource", "subresource", "code"}),
	}
	m.duration = register(reg, m.duration)
	m.total = register(reg, m.total)
	return m
}

// register adds c, or reuses the identical collector another server in
// this process registered first (tests run several servers).
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
	}
	return c
}

// statusRecorder remembers the response code.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (w *statusRecorder) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe wraps resource requests; watches and upgraded connections are
// long-running and are counted but not timed, as Kubernetes does.
func (m *metrics) observe(info requestInfo, w http.ResponseWriter, r *http.Request, serve func(http.ResponseWriter)) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
	serve(rec)
	long := info.Verb == "watch" || r.Header.Get("Upgrade") != "" || info.Subresource == "log"
	if !long {
		m.duration.WithLabelValues(info.Verb, info.Group, info.Resource, info.Subresource).Observe(time.Since(start).Seconds())
	}
	m.total.WithLabelValues(info.Verb, info.Group, info.Resource, info.Subresource, strconv.Itoa(rec.code)).Inc()
}

// Hijack lets connection upgrades (exec, port-forward) through.
func (w *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("connection cannot be hijacked")
	}
	w.code = http.StatusSwitchingProtocols
	return h.Hijack()
}
