package bench

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// scaleProbeInterval paces the probe: 20 mutating calls a second is
// enough samples for a p99 over a few seconds, and light next to the
// thousands of writes/s of the workload it observes.
const scaleProbeInterval = 50 * time.Millisecond

// scaleProbe measures, from the client side, the latency of mutating API
// calls (create, update, delete of a ConfigMap, in turn) while the
// workload runs. The API server exposes no request latency histogram, so
// this stands in for the server-side SLI of Kubernetes' API latency SLO;
// it adds the client's own TLS and decoding time, so it errs high.
type scaleProbe struct {
	lat  []time.Duration
	errs int
	done chan struct{}
}

// scaleStartProbe runs the probe in ns until ctx ends; wait for it with
// finish.
func scaleStartProbe(ctx context.Context, cs kubernetes.Interface, ns string) *scaleProbe {
	p := &scaleProbe{done: make(chan struct{})}
	go p.run(ctx, cs.CoreV1().ConfigMaps(ns))
	return p
}

type scaleConfigMaps interface {
	Create(context.Context, *corev1.ConfigMap, metav1.CreateOptions) (*corev1.ConfigMap, error)
	Update(context.Context, *corev1.ConfigMap, metav1.UpdateOptions) (*corev1.ConfigMap, error)
	Delete(context.Context, string, metav1.DeleteOptions) error
}

func (p *scaleProbe) run(ctx context.Context, cms scaleConfigMaps) {
	defer close(p.done)
	t := time.NewTicker(scaleProbeInterval)
	defer t.Stop()
	var cur *corev1.ConfigMap
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		next, err := scaleProbeStep(ctx, cms, cur, i)
		if ctx.Err() != nil {
			return // a call cut short by the end of the run is no sample
		}
		if err != nil {
			p.errs++
			cur = nil // start over with a fresh object
			continue
		}
		p.lat = append(p.lat, time.Since(start))
		cur = next
	}
}

// scaleProbeStep creates an object when there is none, updates it once,
// then deletes it: one mutating call per step.
func scaleProbeStep(ctx context.Context, cms scaleConfigMaps, cur *corev1.ConfigMap, i int) (*corev1.ConfigMap, error) {
	switch {
	case cur == nil:
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("probe-%d", i)}, Data: map[string]string{"n": "0"}}
		return cms.Create(ctx, cm, metav1.CreateOptions{})
	case cur.Data["n"] == "0":
		upd := cur.DeepCopy()
		upd.Data["n"] = "1"
		return cms.Update(ctx, upd, metav1.UpdateOptions{})
	default:
		return nil, cms.Delete(ctx, cur.Name, metav1.DeleteOptions{})
	}
}

// finish waits for the probe to stop (its context must have ended) and
// returns its latencies and error count.
func (p *scaleProbe) finish() ([]time.Duration, int) {
	<-p.done
	return p.lat, p.errs
}
