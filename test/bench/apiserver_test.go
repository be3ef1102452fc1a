package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Each benchmark does a fixed amount of work per b.N, so `-benchtime 1x`
// gives meaningful figures; every server is a separate `rudder server`
// process, started outside the timed part. Counts are sized so that the
// whole suite stays under ~10 minutes on a 2-core machine.
const (
	freshStarts     = 3     // BenchmarkReady: fresh data dirs per b.N
	createsOne      = 1000  // BenchmarkCreate with 1 client, per b.N
	createsMany     = 3000  // BenchmarkCreate with 16 clients, per b.N
	listObjects     = 10000 // objects in the namespace of BenchmarkGetList
	getsPerN        = 2000
	listsPerN       = 10
	pagedListsPerN  = 5
	pageLimit       = 500
	kubectlPods     = 3000
	kubectlRuns     = 5
	watchers        = 100
	watchWritesPerN = 500 // creates, then as many updates
	rssObjects      = 10000
)

// skipShort keeps benchmarks out of `go test -short` runs.
func skipShort(b *testing.B) {
	if testing.Short() {
		b.Skip("benchmark starts real servers; skipped with -short")
	}
}

// BenchmarkReady times process start to the first /readyz "ok", on fresh
// data dirs (certificates, credentials and etcd created) and on a restart
// of the same data dir after a graceful stop.
func BenchmarkReady(b *testing.B) {
	skipShort(b)
	rudderBinary(b) // build outside the timed part
	var fresh, restart []time.Duration
	b.ResetTimer()
	for range b.N {
		for range freshStarts {
			s := newServer(b)
			d, err := s.launch()
			if err != nil {
				b.Fatalf("fresh start: %v", err)
			}
			fresh = append(fresh, d)
			s.stop()
			if d, err = s.launch(); err != nil {
				b.Fatalf("restart: %v", err)
			}
			restart = append(restart, d)
			s.stop()
		}
	}
	b.StopTimer()
	b.Logf("fresh starts %v, restarts %v (load %s)", fresh, restart, loadAvg())
	b.ReportMetric(ms(percentile(fresh, 50)), "fresh-p50-ms")
	b.ReportMetric(ms(percentile(fresh, 100)), "fresh-max-ms")
	b.ReportMetric(ms(percentile(restart, 50)), "restart-p50-ms")
	b.ReportMetric(ms(percentile(restart, 100)), "restart-max-ms")
}

// BenchmarkCreate measures create throughput and latency of small
// ConfigMaps and of pods (bound to a ghost node) from 1 and 16 clients,
// each client with its own connection.
func BenchmarkCreate(b *testing.B) {
	skipShort(b)
	s := startServer(b)
	admin := s.clientset(b)
	kinds := []struct {
		name string
		op   func(ns string) func(context.Context, *kubernetes.Clientset, int) error
	}{
		{"configmap", createConfigMapOp},
		{"pod", createPodOp},
	}
	for _, k := range kinds {
		for _, clients := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/clients=%d", k.name, clients), func(b *testing.B) {
				perN := createsOne
				if clients > 1 {
					perN = createsMany
				}
				ns := newNamespace(b, admin, "create")
				cs := s.clientsets(b, clients)
				warm(b, cs)
				b.ResetTimer()
				lat, wall, err := runParallel(context.Background(), cs, perN*b.N, k.op(ns))
				b.StopTimer()
				if err != nil {
					b.Fatalf("creating: %v", err)
				}
				b.Logf("%d creates in %s (load %s)", len(lat), wall.Round(time.Millisecond), loadAvg())
				b.ReportMetric(float64(len(lat))/wall.Seconds(), "creates/s")
				reportLatency(b, "", lat)
			})
		}
	}
}

// BenchmarkGetList measures GET and LIST latency with 10,000 ConfigMaps in
// one namespace, and `kubectl get pods -A` over 3,000 pods.
func BenchmarkGetList(b *testing.B) {
	skipShort(b)
	s := startServer(b)
	admin := s.clientset(b)
	ns := newNamespace(b, admin, "getlist")
	seedConfigMaps(b, s, ns, listObjects)
	ctx := context.Background()
	cms := admin.CoreV1().ConfigMaps(ns)

	b.Run("get", func(b *testing.B) {
		b.ResetTimer()
		lat, _, err := runParallel(ctx, []*kubernetes.Clientset{admin}, getsPerN*b.N,
			func(ctx context.Context, cs *kubernetes.Clientset, i int) error {
				// A stride co-prime with listObjects visits names out of order.
				_, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, fmt.Sprintf("cm-%06d", (i*7919)%listObjects), metav1.GetOptions{})
				return err
			})
		b.StopTimer()
		if err != nil {
			b.Fatalf("get: %v", err)
		}
		reportLatency(b, "", lat)
	})

	b.Run("list", func(b *testing.B) {
		var lat []time.Duration
		for range listsPerN * b.N {
			t0 := time.Now()
			l, err := cms.List(ctx, metav1.ListOptions{})
			if err != nil {
				b.Fatalf("list: %v", err)
			}
			lat = append(lat, time.Since(t0))
			if len(l.Items) != listObjects {
				b.Fatalf("list returned %d items, want %d", len(l.Items), listObjects)
			}
		}
		b.StopTimer()
		reportLatency(b, "", lat)
	})

	b.Run(fmt.Sprintf("list-limit=%d", pageLimit), func(b *testing.B) {
		var pages, whole []time.Duration
		for range pagedListsPerN * b.N {
			t0 := time.Now()
			n, err := pagedList(ctx, admin, ns, &pages)
			if err != nil {
				b.Fatalf("paged list: %v", err)
			}
			whole = append(whole, time.Since(t0))
			if n != listObjects {
				b.Fatalf("paged list returned %d items, want %d", n, listObjects)
			}
		}
		b.StopTimer()
		reportLatency(b, "page-", pages)
		b.ReportMetric(ms(percentile(whole, 50)), "all-pages-p50-ms")
	})

	b.Run("kubectl-get-pods-A", func(b *testing.B) {
		benchKubectlGetPods(b, s, admin)
	})
}

// pagedList walks ns's ConfigMaps limit=pageLimit at a time, appending each
// page's latency, and returns how many items it saw.
func pagedList(ctx context.Context, cs *kubernetes.Clientset, ns string, pages *[]time.Duration) (int, error) {
	opts := metav1.ListOptions{Limit: pageLimit}
	n := 0
	for {
		t0 := time.Now()
		l, err := cs.CoreV1().ConfigMaps(ns).List(ctx, opts)
		if err != nil {
			return n, fmt.Errorf("page after %d items: %w", n, err)
		}
		*pages = append(*pages, time.Since(t0))
		n += len(l.Items)
		if l.Continue == "" {
			return n, nil
		}
		opts.Continue = l.Continue
	}
}

// BenchmarkWatch measures fan-out: 100 client-go watches on one namespace's
// ConfigMaps, each on its own connection, while one writer creates then
// updates objects as fast as it can. It reports events delivered per second
// across all watchers and the delay from the writer's acknowledgement to
// each watcher's receipt.
func BenchmarkWatch(b *testing.B) {
	skipShort(b)
	s := startServer(b)
	admin := s.clientset(b)
	watchClients := s.clientsets(b, watchers)
	warm(b, watchClients)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		ns := newNamespace(b, admin, "watch")
		b.StartTimer()
		r := runWatch(b, admin, watchClients, ns, watchWritesPerN)
		b.StopTimer()
		b.Logf("%d events to %d watchers in %s, writes %.0f/s (load %s)",
			r.events, watchers, r.wall.Round(time.Millisecond), r.writesPerSec, loadAvg())
		b.ReportMetric(float64(r.events)/r.wall.Seconds(), "events/s")
		b.ReportMetric(r.writesPerSec, "writes/s")
		reportLatency(b, "delay-", r.delays)
		b.StartTimer()
	}
}

// BenchmarkRSS reports the server's resident memory (embedded etcd
// included) idle after start, with 10,000 ConfigMaps, with 10,000 pods more,
// and idle again after a restart on that data dir (with its ready time).
func BenchmarkRSS(b *testing.B) {
	skipShort(b)
	for range b.N {
		s := startServer(b)
		admin := s.clientset(b)
		b.ReportMetric(settledRSS(b, s), "idle-MiB")
		seedConfigMaps(b, s, newNamespace(b, admin, "rss-cm"), rssObjects)
		b.ReportMetric(settledRSS(b, s), "10k-cm-MiB")
		seedPods(b, s, newNamespace(b, admin, "rss-pod"), rssObjects)
		b.ReportMetric(settledRSS(b, s), "10k-cm+10k-pod-MiB")
		if hwm, err := statusKiB(s.pid(), "VmHWM"); err == nil {
			b.ReportMetric(float64(hwm)/1024, "peak-MiB")
		}
		s.stop()
		d, err := s.launch()
		if err != nil {
			b.Fatalf("restart with %d objects: %v", 2*rssObjects, err)
		}
		b.ReportMetric(ms(d), "restart-20k-ready-ms")
		b.ReportMetric(settledRSS(b, s), "restart-20k-idle-MiB")
		s.stop()
	}
}

// rssSettle is how long the server is left alone before an RSS reading:
// this is a measurement window, not synchronisation; the reading is of a
// server that has been idle that long.
const rssSettle = 3 * time.Second

func settledRSS(b *testing.B, s *server) float64 {
	b.Helper()
	time.Sleep(rssSettle)
	v, err := rssMiB(s.pid())
	if err != nil {
		b.Fatalf("reading RSS: %v", err)
	}
	// The split says how much is the Go heap and stacks (anon) and how much
	// is etcd's memory-mapped bbolt file (file-backed, reclaimable).
	anon, _ := statusKiB(s.pid(), "RssAnon")
	file, _ := statusKiB(s.pid(), "RssFile")
	b.Logf("RSS %.1f MiB: anon %.1f MiB, file %.1f MiB (load %s)", v, float64(anon)/1024, float64(file)/1024, loadAvg())
	return v
}
