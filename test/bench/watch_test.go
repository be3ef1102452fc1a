package bench

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// watchDeadline bounds how long watchers may take to receive every event;
// missing events past it fail the benchmark (that would be a server bug).
const watchDeadline = 2 * time.Minute

type watchResult struct {
	events       int
	wall         time.Duration // first write to last receipt
	writesPerSec float64
	delays       []time.Duration
}

// receipt is one event as a watcher saw it.
type receipt struct {
	rv string
	at time.Time
}

// runWatch opens one watch per client from the namespace's current
// resourceVersion (so none can miss an event), then creates and updates
// writes objects from one writer and waits until every watcher has seen
// all 2×writes events.
func runWatch(b *testing.B, admin *kubernetes.Clientset, clients []*kubernetes.Clientset, ns string, writes int) watchResult {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	list, err := admin.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatalf("listing before watch: %v", err)
	}
	want := 2 * writes
	got := make([][]receipt, len(clients))
	var wg sync.WaitGroup
	errs := make(chan error, len(clients))
	for i, cs := range clients {
		timeout := int64(watchDeadline.Seconds()) + 60
		w, err := cs.CoreV1().ConfigMaps(ns).Watch(ctx, metav1.ListOptions{ResourceVersion: list.ResourceVersion, TimeoutSeconds: &timeout})
		if err != nil {
			b.Fatalf("opening watch %d: %v", i, err)
		}
		wg.Add(1)
		go func(i int, w watch.Interface) {
			defer wg.Done()
			defer w.Stop()
			got[i] = make([]receipt, 0, want)
			if err := collect(ctx, w, want, &got[i]); err != nil {
				errs <- fmt.Errorf("watcher %d after %d events: %w", i, len(got[i]), err)
			}
		}(i, w)
	}
	start := time.Now()
	acks, err := write(ctx, admin, ns, writes)
	if err != nil {
		b.Fatalf("writer: %v", err)
	}
	writeWall := time.Since(start)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(watchDeadline):
		cancel()
		<-done
	}
	close(errs)
	for err := range errs {
		b.Fatalf("%v", err)
	}
	return summarise(start, acks, got, float64(2*writes)/writeWall.Seconds())
}

// collect appends each ADDED/MODIFIED event until want are in.
func collect(ctx context.Context, w watch.Interface, want int, out *[]receipt) error {
	for len(*out) < want {
		select {
		case <-ctx.Done():
			return fmt.Errorf("deadline: %w", ctx.Err())
		case ev, ok := <-w.ResultChan():
			if !ok {
				return fmt.Errorf("watch closed early")
			}
			now := time.Now()
			switch ev.Type {
			case watch.Added, watch.Modified:
				cm, ok := ev.Object.(*corev1.ConfigMap)
				if !ok {
					return fmt.Errorf("unexpected object %T", ev.Object)
				}
				*out = append(*out, receipt{rv: cm.ResourceVersion, at: now})
			case watch.Error:
				return fmt.Errorf("error event: %v", ev.Object)
			}
		}
	}
	return nil
}

// write creates n ConfigMaps then updates each once, one request at a time,
// and returns the time each resulting resourceVersion was acknowledged.
func write(ctx context.Context, cs *kubernetes.Clientset, ns string, n int) (map[string]time.Time, error) {
	acks := make(map[string]time.Time, 2*n)
	cms := cs.CoreV1().ConfigMaps(ns)
	created := make([]*corev1.ConfigMap, n)
	for i := range n {
		cm, err := cms.Create(ctx, configMap(fmt.Sprintf("w-%06d", i)), metav1.CreateOptions{})
		if err != nil {
			return nil, fmt.Errorf("create %d: %w", i, err)
		}
		acks[cm.ResourceVersion] = time.Now()
		created[i] = cm
	}
	for i, cm := range created {
		cm.Data["key"] = "updated"
		cm, err := cms.Update(ctx, cm, metav1.UpdateOptions{})
		if err != nil {
			return nil, fmt.Errorf("update %d: %w", i, err)
		}
		acks[cm.ResourceVersion] = time.Now()
	}
	return acks, nil
}

// summarise turns receipts into the totals and per-event delays. An event
// can reach a watcher before the writer has read its own response; such
// delays count as zero rather than negative.
func summarise(start time.Time, acks map[string]time.Time, got [][]receipt, writesPerSec float64) watchResult {
	r := watchResult{writesPerSec: writesPerSec}
	last := start
	for _, rs := range got {
		for _, rc := range rs {
			r.events++
			if rc.at.After(last) {
				last = rc.at
			}
			if ack, ok := acks[rc.rv]; ok {
				r.delays = append(r.delays, max(rc.at.Sub(ack), 0))
			}
		}
	}
	r.wall = last.Sub(start)
	return r
}
