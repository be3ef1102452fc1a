package e2e

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"rudder/test/e2e/cluster"
)

// TestInformerAcrossRestarts: a client-go informer survives the server
// restarting (gracefully or by SIGKILL) and ends with exactly the server's
// state, having seen each object's changes in order.
func TestInformerAcrossRestarts(t *testing.T) {
	for _, c := range []struct {
		name    string
		restart func(*cluster.Server)
	}{
		{"graceful", func(s *cluster.Server) { s.Restart() }},
		{"kill", func(s *cluster.Server) { s.Kill(); s.Restart() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			const ns = "watched"
			s := cluster.Start(t)
			cs := s.Clientset(t)
			createNamespace(t, cs, ns)
			rec := &recorder{}
			store := startInformer(t, cs, ns, rec)

			m := mutator{t: t, cms: cs.CoreV1().ConfigMaps(ns)}
			m.create("a", 0, 30)
			m.update("a", 0, 20)
			m.update("a", 0, 10)
			m.delete("a", 25, 30)
			c.restart(s)
			m.create("b", 0, 20)
			m.update("a", 0, 10)
			m.delete("a", 10, 15)
			m.delete("b", 15, 20)
			m.create("a", 25, 27) // same names as deleted objects, new uids
			m.update("b", 0, 5)

			waitForStoreToMatch(t, cs, ns, store)
			rec.check(t)
		})
	}
}

// startInformer runs a ConfigMap informer on ns until the test ends and
// returns its store once synced.
func startInformer(t *testing.T, cs kubernetes.Interface, ns string, rec *recorder) cache.Store {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	factory := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns))
	inf := factory.Core().V1().ConfigMaps().Informer()
	if _, err := inf.AddEventHandler(rec.handler()); err != nil {
		t.Fatalf("adding handler: %v", err)
	}
	factory.Start(ctx.Done())
	t.Cleanup(func() { cancel(); factory.Shutdown() })
	syncCtx, syncCancel := context.WithTimeout(ctx, 30*time.Second)
	defer syncCancel()
	if !cache.WaitForCacheSync(syncCtx.Done(), inf.HasSynced) {
		t.Fatal("informer did not sync within 30s")
	}
	return inf.GetStore()
}

// waitForStoreToMatch waits until the informer holds exactly what the
// server lists: same names, same resourceVersions.
func waitForStoreToMatch(t *testing.T, cs kubernetes.Interface, ns string, store cache.Store) {
	t.Helper()
	waitFor(t, 60*time.Second, "the informer's store to equal the server's list", func() (bool, string) {
		list, err := cs.CoreV1().ConfigMaps(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		want := map[string]string{}
		for _, cm := range list.Items {
			want[cm.Name] = cm.ResourceVersion
		}
		have := map[string]string{}
		for _, o := range store.List() {
			cm := o.(*corev1.ConfigMap)
			have[cm.Name] = cm.ResourceVersion
		}
		return fmt.Sprint(want) == fmt.Sprint(have), fmt.Sprintf("server %v\ninformer %v", want, have)
	})
}

// mutator makes numbered changes and fails the test on any error.
type mutator struct {
	t   *testing.T
	cms interface {
		Create(context.Context, *corev1.ConfigMap, metav1.CreateOptions) (*corev1.ConfigMap, error)
		Get(context.Context, string, metav1.GetOptions) (*corev1.ConfigMap, error)
		Update(context.Context, *corev1.ConfigMap, metav1.UpdateOptions) (*corev1.ConfigMap, error)
		Delete(context.Context, string, metav1.DeleteOptions) error
	}
}

func name(prefix string, i int) string { return fmt.Sprintf("%s-%02d", prefix, i) }

func (m mutator) create(prefix string, from, to int) {
	m.t.Helper()
	for i := from; i < to; i++ {
		if _, err := m.cms.Create(context.Background(), configMap(name(prefix, i), "n", "0"), metav1.CreateOptions{}); err != nil {
			m.t.Fatalf("create %s: %v", name(prefix, i), err)
		}
	}
}

func (m mutator) update(prefix string, from, to int) {
	m.t.Helper()
	ctx := context.Background()
	for i := from; i < to; i++ {
		cm, err := m.cms.Get(ctx, name(prefix, i), metav1.GetOptions{})
		if err != nil {
			m.t.Fatalf("get %s: %v", name(prefix, i), err)
		}
		n, _ := strconv.Atoi(cm.Data["n"])
		cm.Data["n"] = strconv.Itoa(n + 1)
		if _, err := m.cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			m.t.Fatalf("update %s: %v", name(prefix, i), err)
		}
	}
}

func (m mutator) delete(prefix string, from, to int) {
	m.t.Helper()
	for i := from; i < to; i++ {
		if err := m.cms.Delete(context.Background(), name(prefix, i), metav1.DeleteOptions{}); err != nil {
			m.t.Fatalf("delete %s: %v", name(prefix, i), err)
		}
	}
}

// event is one notification, keyed by uid: names are reused after deletes.
type event struct {
	kind  string // add, update, delete
	name  string
	rv    int64
	oldRV int64 // updates only
}

// recorder keeps every event per object uid.
type recorder struct {
	mu     sync.Mutex
	events map[types.UID][]event
	bad    []string // objects that were not ConfigMaps or had odd versions
}

func (r *recorder) handler() cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) { r.record("add", nil, obj) },
		UpdateFunc: func(oldObj, newObj interface{}) {
			oldCM, newCM := r.configMap(oldObj), r.configMap(newObj)
			if oldCM != nil && newCM != nil && oldCM.UID != newCM.UID {
				// A relist found the name reused: client-go reports it as an
				// update; for a per-object history it is a delete and an add.
				r.record("delete", nil, oldObj)
				r.record("add", nil, newObj)
				return
			}
			r.record("update", oldObj, newObj)
		},
		DeleteFunc: func(obj interface{}) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			r.record("delete", nil, obj)
		},
	}
}

func (r *recorder) configMap(obj interface{}) *corev1.ConfigMap {
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok {
		r.mu.Lock()
		r.bad = append(r.bad, fmt.Sprintf("unexpected object %T", obj))
		r.mu.Unlock()
	}
	return cm
}

func (r *recorder) record(kind string, oldObj, obj interface{}) {
	cm := r.configMap(obj)
	if cm == nil {
		return
	}
	e := event{kind: kind, name: cm.Name, rv: r.parseRV(cm)}
	if oldObj != nil {
		if old := r.configMap(oldObj); old != nil {
			e.oldRV = r.parseRV(old)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.events == nil {
		r.events = map[types.UID][]event{}
	}
	r.events[cm.UID] = append(r.events[cm.UID], e)
}

// parseRV reads a resourceVersion as a number: Rudder's come from etcd
// revisions, which only grow.
func (r *recorder) parseRV(cm *corev1.ConfigMap) int64 {
	rv, err := strconv.ParseInt(cm.ResourceVersion, 10, 64)
	if err != nil {
		r.mu.Lock()
		r.bad = append(r.bad, fmt.Sprintf("%s: resourceVersion %q is not a number", cm.Name, cm.ResourceVersion))
		r.mu.Unlock()
	}
	return rv
}

// check asserts each object's history: it starts with an add, versions
// never go back, an update's old version is the last one seen, and nothing
// follows a delete.
func (r *recorder) check(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.bad {
		t.Error(b)
	}
	for uid, evs := range r.events {
		if evs[0].kind != "add" {
			t.Errorf("%s (%s): first event is %s", evs[0].name, uid, evs[0].kind)
		}
		for i := 1; i < len(evs); i++ {
			prev, cur := evs[i-1], evs[i]
			switch {
			case prev.kind == "delete":
				t.Errorf("%s (%s): %s at rv %d after its delete", cur.name, uid, cur.kind, cur.rv)
			case cur.kind == "add":
				t.Errorf("%s (%s): second add at rv %d", cur.name, uid, cur.rv)
			case cur.rv < prev.rv:
				t.Errorf("%s (%s): %s at rv %d after rv %d", cur.name, uid, cur.kind, cur.rv, prev.rv)
			case cur.kind == "update" && cur.oldRV != prev.rv:
				t.Errorf("%s (%s): update from rv %d, last seen rv %d", cur.name, uid, cur.oldRV, prev.rv)
			}
		}
	}
}
