package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const kubectlBin = "/usr/bin/kubectl"

// benchKubectlGetPods times the real kubectl listing 3,000 pods across
// three namespaces (Table output, kubectl's default 500-item chunks),
// reporting the median wall time of several runs sharing one discovery
// cache (the first run fills it, as a user's first command would).
func benchKubectlGetPods(b *testing.B, s *server, admin kubernetes.Interface) {
	if _, err := os.Stat(kubectlBin); err != nil {
		b.Skipf("%s not installed: %v", kubectlBin, err)
	}
	b.StopTimer()
	for i := range 3 {
		seedPods(b, s, newNamespace(b, admin, "kubectl"), kubectlPods/3+boolInt(i == 0)*(kubectlPods%3))
	}
	cache := filepath.Join(b.TempDir(), "kubectl-cache")
	b.StartTimer()
	var runs []time.Duration
	for range kubectlRuns * b.N {
		d, rows := runKubectl(b, s, cache, "get", "pods", "-A")
		if rows < kubectlPods {
			b.Fatalf("kubectl get pods -A printed %d pod rows, want at least %d", rows, kubectlPods)
		}
		runs = append(runs, d)
	}
	b.StopTimer()
	// The same kubectl listing the four namespaces: what kubectl itself
	// (Cloud SDK dispatcher, process start, discovery cache, TLS) costs,
	// so the figure above can be split into client and server parts.
	var base []time.Duration
	for range kubectlRuns {
		d, _ := runKubectl(b, s, cache, "get", "namespaces")
		base = append(base, d)
	}
	// And the server's part: the same chunked Table list kubectl asks for,
	// read by client-go without printing.
	var table []time.Duration
	for range kubectlRuns {
		t0 := time.Now()
		rows, err := tableListPods(context.Background(), admin)
		if err != nil || rows < kubectlPods {
			b.Fatalf("table list of all pods: %d rows, %v", rows, err)
		}
		table = append(table, time.Since(t0))
	}
	b.Logf("kubectl get pods -A runs %v; get namespaces runs %v; Table lists %v (load %s)", runs, base, table, loadAvg())
	b.ReportMetric(percentile(table, 50).Seconds(), "table-list-median-s")
	b.ReportMetric(percentile(runs, 50).Seconds(), "median-s")
	b.ReportMetric(percentile(runs, 100).Seconds(), "max-s")
	b.ReportMetric(percentile(base, 50).Seconds(), "get-ns-median-s")
}

// runKubectl runs kubectl once and returns its wall time and the number of
// rows it printed (header excluded).
func runKubectl(b *testing.B, s *server, cache string, args ...string) (time.Duration, int) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, kubectlBin, append([]string{"--kubeconfig", s.kubeconfig(), "--cache-dir", cache}, args...)...)
	// A private HOME keeps the user's ~/.kube out of the measurement.
	cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(cache))
	t0 := time.Now()
	out, err := cmd.Output()
	d := time.Since(t0)
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		b.Fatalf("kubectl %v: %v\n%s", args, err, stderr)
	}
	return d, strings.Count(string(out), "\n") - 1
}

// tableListPods lists pods in all namespaces as kubectl does (Table,
// limit=500 chunks) and returns the number of rows.
func tableListPods(ctx context.Context, cs kubernetes.Interface) (int, error) {
	const accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
	rows, cont := 0, ""
	for {
		req := cs.CoreV1().RESTClient().Get().AbsPath("/api/v1/pods").
			Param("limit", "500").SetHeader("Accept", accept)
		if cont != "" {
			req = req.Param("continue", cont)
		}
		raw, err := req.Do(ctx).Raw()
		if err != nil {
			return rows, fmt.Errorf("table page after %d rows: %w", rows, err)
		}
		var t metav1.Table
		if err := json.Unmarshal(raw, &t); err != nil {
			return rows, fmt.Errorf("decoding table page: %w", err)
		}
		rows += len(t.Rows)
		if cont = t.Continue; cont == "" {
			return rows, nil
		}
	}
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}
