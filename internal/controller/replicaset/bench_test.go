package replicaset

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"

	"rudder/internal/controller/ctrlutil"
	"rudder/internal/testenv"
)

// BenchmarkSync measures one sync of a ReplicaSet whose pods are all in a
// real informer cache and whose status is already right, so the sync makes
// no API call: what is left is the controller's own CPU per sync, the cost
// paid again for every pod event during a scale-up.
//
//   - one-rs-3000: a namespace with one ReplicaSet of 3,000 pods (2,000
//     ready), as in the scale benchmark.
//   - shared-ns-10x300: ten ReplicaSets of 300 pods share a namespace;
//     a sync should only look at its own 300.
func BenchmarkSync(b *testing.B) {
	env := startBenchEnv(b)
	c := New(env.client, env.factory, &events.FakeRecorder{}) // no events: the syncs measured create nothing
	env.factory.Start(env.ctx.Done())

	big := env.createReplicaSet(b, "default", "big", 3000)
	shared := make([]*appsv1.ReplicaSet, 10)
	if _, err := env.client.CoreV1().Namespaces().Create(env.ctx,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shared"}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	for i := range shared {
		shared[i] = env.createReplicaSet(b, "shared", fmt.Sprintf("rs-%d", i), 300)
	}
	if !cacheSyncs(env.ctx, c) {
		b.Fatal("informers did not sync")
	}
	cases := []struct {
		name string
		rs   *appsv1.ReplicaSet
	}{
		{"one-rs-3000", big},
		{"shared-ns-10x300", shared[0]},
	}
	for _, tc := range cases {
		key := tc.rs.Namespace + "/" + tc.rs.Name
		env.settle(b, c, key, *tc.rs.Spec.Replicas)
		before := env.writes(b, tc.rs)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := c.sync(env.ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
		if after := env.writes(b, tc.rs); after != before {
			b.Fatalf("%s: the measured syncs wrote: %s, then %s", key, before, after)
		}
	}
}

func cacheSyncs(ctx context.Context, c *Controller) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return cache.WaitForCacheSync(ctx.Done(), c.synced...)
}

// benchEnv is the in-process API server of testenv with what the
// benchmarks use.
type benchEnv struct {
	client  kubernetes.Interface
	factory informers.SharedInformerFactory
	ctx     context.Context
}

func startBenchEnv(tb testing.TB) *benchEnv {
	tb.Helper()
	env := testenv.Start(tb, "replicaset-controller")
	return &benchEnv{client: env.Client, factory: env.Factory, ctx: env.Ctx}
}

// recorder records events through the API server, as in production.
func (e *benchEnv) recorder(tb testing.TB) events.EventRecorder {
	bc := events.NewBroadcaster(&events.EventSinkImpl{Interface: e.client.EventsV1()})
	bc.StartRecordingToSink(e.ctx.Done())
	tb.Cleanup(bc.Shutdown)
	return bc.NewRecorder(scheme.Scheme, "replicaset-controller")
}

// createReplicaSet creates a ReplicaSet and n pods it controls, two thirds
// of them Ready, as the controller and a kubelet would have left them.
func (e *benchEnv) createReplicaSet(tb testing.TB, ns, name string, n int32) *appsv1.ReplicaSet {
	tb.Helper()
	labels := map[string]string{"app": name, "pod-template-hash": "5d8f7c9b6"}
	rs := newRS(name, n, labels)
	rs.Namespace = ns
	rs, err := e.client.AppsV1().ReplicaSets(ns).Create(e.ctx, rs, metav1.CreateOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	ref := ctrlutil.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range int(n) {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := e.createPod(ns, fmt.Sprintf("%s-%d", name, i), labels, ref, i%3 != 0); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		tb.Fatal(err)
	}
	return rs
}

func (e *benchEnv) createPod(ns, name string, labels map[string]string, ref *metav1.OwnerReference, ready bool) error {
	tmpl := template(labels)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{*ref}},
		Spec: tmpl.Spec,
	}
	p.Spec.NodeName = "node-1"
	p, err := e.client.CoreV1().Pods(ns).Create(e.ctx, p, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("creating pod %s: %w", name, err)
	}
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	now := metav1.Now()
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: status, LastTransitionTime: now},
		{Type: corev1.PodReady, Status: status, LastTransitionTime: now},
	}
	if _, err := e.client.CoreV1().Pods(ns).UpdateStatus(e.ctx, p, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("setting status of pod %s: %w", name, err)
	}
	return nil
}

// settle syncs key until the cache holds all its pods and the status the
// sync computes, so that later syncs make no API call.
func (e *benchEnv) settle(tb testing.TB, c *Controller, key string, replicas int32) {
	tb.Helper()
	ready := replicas - (replicas+2)/3
	err := wait.PollUntilContextTimeout(e.ctx, 20*time.Millisecond, time.Minute, true,
		func(ctx context.Context) (bool, error) {
			if err := c.sync(ctx, key); err != nil {
				return false, nil // a conflict while the cache catches up
			}
			obj, ok, err := c.kind.informer().GetIndexer().GetByKey(key)
			if err != nil || !ok {
				return false, err
			}
			st := obj.(*appsv1.ReplicaSet).Status
			return st.Replicas == replicas && st.ReadyReplicas == ready && st.AvailableReplicas == ready &&
				st.FullyLabeledReplicas == replicas, nil
		})
	if err != nil {
		tb.Fatalf("waiting for %s to settle: %v", key, err)
	}
}

// writes is what a sync could change: the ReplicaSet's resourceVersion
// and the number of pods in its namespace.
func (e *benchEnv) writes(tb testing.TB, rs *appsv1.ReplicaSet) string {
	tb.Helper()
	got, err := e.client.AppsV1().ReplicaSets(rs.Namespace).Get(e.ctx, rs.Name, metav1.GetOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	pods, err := e.client.CoreV1().Pods(rs.Namespace).List(e.ctx, metav1.ListOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return fmt.Sprintf("resourceVersion %s, %d pods", got.ResourceVersion, len(pods.Items))
}

// BenchmarkScaleUp runs the controller (2 workers, as Run with the
// controller manager's default, counting syncs) through a scale-up from 0 to 2,000 pods while a stand-in
// kubelet starts every pod and then makes it ready (two status updates,
// the events that only change the status). It reports the seconds until
// every pod was created and until the status counted them all ready; the
// API server runs in the same process, so the controller's CPU competes
// with it as in `rudder server`.
func BenchmarkScaleUp(b *testing.B) {
	const replicas = 2000
	env := startBenchEnv(b)
	c := New(env.client, env.factory, env.recorder(b))
	kubelet := newStandInKubelet(env)
	env.factory.Start(env.ctx.Done())
	var syncs atomic.Int64
	go ctrlutil.RunQueue(env.ctx, "ReplicaSet", c.queue, c.synced, 2, func(ctx context.Context, key string) (time.Duration, error) {
		syncs.Add(1)
		return 0, c.sync(ctx, key)
	})
	var created, ready time.Duration
	i := 0
	for b.Loop() {
		ns := fmt.Sprintf("scale-%d", i)
		i++
		if _, err := env.client.CoreV1().Namespaces().Create(env.ctx,
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		rs := newRS("web", replicas, map[string]string{"app": "web"})
		rs.Namespace = ns
		start := time.Now()
		if _, err := env.client.AppsV1().ReplicaSets(ns).Create(env.ctx, rs, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		created += kubelet.waitStarted(b, ns, replicas).Sub(start)
		err := wait.PollUntilContextTimeout(env.ctx, 10*time.Millisecond, 5*time.Minute, true,
			func(ctx context.Context) (bool, error) {
				got, err := env.client.AppsV1().ReplicaSets(ns).Get(ctx, "web", metav1.GetOptions{})
				return err == nil && got.Status.ReadyReplicas == replicas, nil
			})
		if err != nil {
			b.Fatalf("waiting for %d ready replicas: %v", replicas, err)
		}
		ready += time.Since(start)
	}
	b.ReportMetric(created.Seconds()/float64(b.N), "created-s/op")
	b.ReportMetric(ready.Seconds()/float64(b.N), "ready-s/op")
	b.ReportMetric(float64(syncs.Load())/float64(b.N), "syncs/op")
}

// standInKubelet marks every new pod Running, then Ready.
type standInKubelet struct {
	env  *benchEnv
	mu   sync.Mutex
	seen map[string]int       // namespace -> pods seen
	last map[string]time.Time // namespace -> when the last was seen
}

func newStandInKubelet(env *benchEnv) *standInKubelet {
	k := &standInKubelet{env: env, seen: map[string]int{}, last: map[string]time.Time{}}
	work := make(chan *corev1.Pod, 100000)
	_, _ = env.factory.Core().V1().Pods().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) {
			p := obj.(*corev1.Pod)
			k.mu.Lock()
			k.seen[p.Namespace]++
			k.last[p.Namespace] = time.Now()
			k.mu.Unlock()
			work <- p
		},
	})
	for range 8 {
		go func() {
			for {
				select {
				case <-env.ctx.Done():
					return
				case p := <-work:
					k.start(p)
				}
			}
		}()
	}
	return k
}

func (k *standInKubelet) start(p *corev1.Pod) {
	pods := k.env.client.CoreV1().Pods(p.Namespace)
	p = p.DeepCopy()
	now := metav1.Now()
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse, LastTransitionTime: now}}
	p, err := pods.UpdateStatus(k.env.ctx, p, metav1.UpdateOptions{})
	if err != nil {
		return // the benchmark times out waiting for it
	}
	p.Status.Conditions[0].Status = corev1.ConditionTrue
	_, _ = pods.UpdateStatus(k.env.ctx, p, metav1.UpdateOptions{})
}

// waitStarted returns when the n-th pod of ns was seen.
func (k *standInKubelet) waitStarted(tb testing.TB, ns string, n int) time.Time {
	tb.Helper()
	err := wait.PollUntilContextTimeout(k.env.ctx, 10*time.Millisecond, 5*time.Minute, true,
		func(context.Context) (bool, error) {
			k.mu.Lock()
			defer k.mu.Unlock()
			return k.seen[ns] >= n, nil
		})
	if err != nil {
		tb.Fatalf("waiting for %d pods in %s: %v", n, ns, err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.last[ns]
}
