// Package e2e starts real `rudder server` processes and drives them with the
// real kubectl and client-go, asserting what users see.
package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"rudder/test/e2e/cluster"
)

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

// kubectlBinaries are the kubectl versions users have on these machines:
// the Cloud SDK dispatcher (which picks the server's minor) and the oldest
// and newest pinned versions.
var kubectlBinaries = []string{
	"/usr/bin/kubectl",
	"/usr/lib/google-cloud-sdk/bin/kubectl.1.27",
	"/usr/lib/google-cloud-sdk/bin/kubectl.1.33",
}

// requireBinary skips the test when bin is not installed.
func requireBinary(t *testing.T, bin string) {
	t.Helper()
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("%s not installed: %v", bin, err)
	}
}

// waitFor polls cond until it reports true or timeout passes; cond's
// message describes the last state seen, for the failure report.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; last: %s", timeout, what, last)
		}
		<-tick.C
	}
}

// createNamespace makes a namespace for one sub-test, so sub-tests sharing
// a server do not see each other's objects.
func createNamespace(t *testing.T, cs kubernetes.Interface, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
}

// testContext is cancelled when the test ends.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

// columns normalises a table header line ("NAME   READY  UP-TO-DATE")
// into single-space form for comparison.
func columns(line string) string { return strings.Join(strings.Fields(line), " ") }

// lines splits output into non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// rowFor returns the fields of the first line whose field at index col is
// name, or nil.
func rowFor(out string, col int, name string) []string {
	for _, l := range lines(out) {
		f := strings.Fields(l)
		if len(f) > col && f[col] == name {
			return f
		}
	}
	return nil
}
