package bench

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// restConfig loads the admin kubeconfig with client-side rate limiting
// lifted, so the client is never what limits a figure.
func (s *server) restConfig(tb testing.TB) *rest.Config {
	tb.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.kubeconfig())
	if err != nil {
		tb.Fatalf("loading %s: %v", s.kubeconfig(), err)
	}
	cfg.QPS, cfg.Burst = 1e6, 1e6
	cfg.Timeout = 60 * time.Second
	return cfg
}

// clientset returns a clientset with its own TCP connection. client-go
// shares one transport (and so one HTTP/2 connection) among configs that
// look alike; setting Dial opts out of that cache, so N clientsets behave
// like N separate client processes, as in upstream's measurement.
func (s *server) clientset(tb testing.TB) *kubernetes.Clientset {
	tb.Helper()
	cfg := s.restConfig(tb)
	cfg.Dial = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		tb.Fatalf("building clientset: %v", err)
	}
	return cs
}

// clientsets returns n independent clientsets.
func (s *server) clientsets(tb testing.TB, n int) []*kubernetes.Clientset {
	out := make([]*kubernetes.Clientset, n)
	for i := range out {
		out[i] = s.clientset(tb)
	}
	return out
}

// runParallel calls op(client, i) for i in [0, total) from len(clients)
// workers, each with its own client, and returns every call's latency and
// the wall time. The first error stops the run.
func runParallel(ctx context.Context, clients []*kubernetes.Clientset, total int,
	op func(ctx context.Context, cs *kubernetes.Clientset, i int) error) ([]time.Duration, time.Duration, error) {
	var next atomic.Int64
	lat := make([]time.Duration, total)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	start := time.Now()
	for _, cs := range clients {
		wg.Add(1)
		go func(cs *kubernetes.Clientset) {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				t0 := time.Now()
				if err := op(ctx, cs, i); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("operation %d: %w", i, err); cancel() })
					return
				}
				lat[i] = time.Since(t0)
			}
		}(cs)
	}
	wg.Wait()
	return lat, time.Since(start), firstErr
}

// percentile returns the p-th percentile (0-100, nearest rank) of d; it
// sorts d in place.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	rank := int(p/100*float64(len(d))+0.999999) - 1
	return d[min(max(rank, 0), len(d)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// reportLatency reports the p50 and p99 of lat under the given prefix.
func reportLatency(b *testing.B, prefix string, lat []time.Duration) {
	b.ReportMetric(ms(percentile(lat, 50)), prefix+"p50-ms")
	b.ReportMetric(ms(percentile(lat, 99)), prefix+"p99-ms")
}

// rssMiB is the resident set of the server's whole process group (the
// embedded etcd runs inside the rudder process; the group also catches
// anything it may spawn), read from /proc/<pid>/status VmRSS.
func rssMiB(pgid int) (float64, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, fmt.Errorf("reading /proc: %w", err)
	}
	var kib int64
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || !inGroup(pid, pgid) {
			continue
		}
		v, err := statusKiB(pid, "VmRSS")
		if err != nil {
			continue // the process exited meanwhile
		}
		kib += v
	}
	if kib == 0 {
		return 0, fmt.Errorf("no process in group %d", pgid)
	}
	return float64(kib) / 1024, nil
}

// inGroup reports whether pid's process group is pgid (field 5 of
// /proc/<pid>/stat, after the parenthesised command name).
func inGroup(pid, pgid int) bool {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return false
	}
	f := strings.Fields(s[i+1:])
	return len(f) > 2 && f[2] == strconv.Itoa(pgid)
}

// statusKiB reads one "Key:   123 kB" line of /proc/<pid>/status.
func statusKiB(pid int, key string) (int64, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, fmt.Errorf("opening status of %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && k == key {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s not in status of %d", key, pid)
}

// loadAvg returns /proc/loadavg's first three fields, logged next to every
// figure because the machine is shared.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
