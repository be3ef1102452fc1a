package server

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

// startPprof serves Go's profiler on the loopback address in
// $RUDDER_PPROF_ADDR (e.g. 127.0.0.1:6060) when set; it is for profiling
// benchmarks and never on by default.
func startPprof() {
	addr := os.Getenv("RUDDER_PPROF_ADDR")
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil {
			slog.Warn("pprof server stopped", "err", err)
		}
	}()
}
