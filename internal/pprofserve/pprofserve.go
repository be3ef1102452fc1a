// Package pprofserve serves Go's profiler for benchmarks. It is never on
// by default: a process opts in through an environment variable naming a
// loopback address.
package pprofserve

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

// Start serves the profiler on the address in the environment variable
// env (e.g. RUDDER_PPROF_ADDR=127.0.0.1:6060) when it is set. The server
// lives as long as the process: it exists only for profiling runs.
func Start(env string) {
	addr := os.Getenv(env)
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
			slog.Warn("pprof server stopped", "env", env, "err", err)
		}
	}()
}
