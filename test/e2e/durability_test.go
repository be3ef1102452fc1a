package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"rudder/test/e2e/cluster"
)

// TestDurability: every create the server acknowledged survives SIGKILL.
func TestDurability(t *testing.T) {
	const (
		ns      = "durable"
		total   = 1000
		writers = 8
	)
	s := cluster.Start(t)
	cs := s.Clientset(t)
	createNamespace(t, cs, ns)

	acked := createConfigMaps(t, cs, ns, total, writers)
	if len(acked) != total {
		t.Fatalf("%d of %d creates acknowledged", len(acked), total)
	}
	s.Kill()
	s.Restart()

	list, err := s.Clientset(t).CoreV1().ConfigMaps(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("listing after restart: %v", err)
	}
	got := map[string]types.UID{}
	for _, cm := range list.Items {
		got[cm.Name] = cm.UID
	}
	lost := 0
	for name, uid := range acked {
		switch g, ok := got[name]; {
		case !ok:
			lost++
		case g != uid:
			t.Errorf("%s: uid %s after restart, %s when created", name, g, uid)
		}
	}
	if lost > 0 || len(got) != total {
		t.Errorf("after SIGKILL and restart: %d listed, %d acknowledged creates lost", len(got), lost)
	}
}

// createConfigMaps creates n ConfigMaps from a few goroutines and returns
// the uid of each acknowledged create.
func createConfigMaps(t *testing.T, cs kubernetes.Interface, ns string, n, writers int) map[string]types.UID {
	t.Helper()
	ctx := testContext(t)
	names := make(chan string)
	go func() {
		defer close(names)
		for i := 0; i < n; i++ {
			select {
			case names <- fmt.Sprintf("cm-%04d", i):
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		mu    sync.Mutex
		acked = map[string]types.UID{}
		errs  []error
		wg    sync.WaitGroup
	)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for name := range names {
				cm, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, configMap(name, "n", name), metav1.CreateOptions{})
				mu.Lock()
				if err != nil {
					errs = append(errs, fmt.Errorf("creating %s: %w", name, err))
				} else {
					acked[name] = cm.UID
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i == 5 {
			t.Errorf("... and %d more errors", len(errs)-5)
			break
		}
		t.Error(err)
	}
	return acked
}
