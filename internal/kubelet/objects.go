package kubelet

import (
	"context"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/kubelet/volume"
)

// ObjectSource caches the ConfigMaps, Secrets and Services pods consume
// (volumes and environment) with informers, and tells subscribers the
// namespace of any change so that consuming pods are synced again: an
// updated ConfigMap reaches its volumes in seconds. One source may serve
// several kubelets of one process.
type ObjectSource struct {
	client   kubernetes.Interface
	factory  informers.SharedInformerFactory
	cms      listerscorev1.ConfigMapLister
	secrets  listerscorev1.SecretLister
	services listerscorev1.ServiceLister
	synced   []cache.InformerSynced

	mu     sync.RWMutex
	nextID int
	subs   map[int]func(objectChange)
}

var _ volume.ObjectGetter = (*ObjectSource)(nil)

// NewObjectSource builds the informers; Run starts them.
func NewObjectSource(client kubernetes.Interface) *ObjectSource {
	f := informers.NewSharedInformerFactory(client, 0)
	s := &ObjectSource{client: client, factory: f, subs: map[int]func(objectChange){}}
	cm, sec, svc := f.Core().V1().ConfigMaps(), f.Core().V1().Secrets(), f.Core().V1().Services()
	s.cms, s.secrets, s.services = cm.Lister(), sec.Lister(), svc.Lister()
	for kind, inf := range map[objectKind]cache.SharedIndexInformer{kindConfigMap: cm.Informer(), kindSecret: sec.Informer()} {
		changed := func(obj any) { s.changed(kind, obj) }
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    changed,
			UpdateFunc: func(_, obj any) { changed(obj) },
			DeleteFunc: changed,
		})
		s.synced = append(s.synced, inf.HasSynced)
	}
	s.synced = append(s.synced, svc.Informer().HasSynced)
	return s
}

// Run runs the informers until ctx ends.
func (s *ObjectSource) Run(ctx context.Context) {
	s.factory.Start(ctx.Done())
	<-ctx.Done()
	s.factory.Shutdown()
}

// WaitForSync waits for the initial lists; false if ctx ended first.
func (s *ObjectSource) WaitForSync(ctx context.Context) bool {
	return cache.WaitForCacheSync(ctx.Done(), s.synced...)
}

// Subscribe calls notify with every changed ConfigMap or Secret; it
// returns the function that unsubscribes.
func (s *ObjectSource) Subscribe(notify func(objectChange)) func() {
	s.mu.Lock()
	id := s.nextID
	s.nextID++
	s.subs[id] = notify
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(s.subs, id)
		s.mu.Unlock()
	}
}

func (s *ObjectSource) changed(kind objectKind, obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ch := objectChange{Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName()}
	for _, notify := range s.subs {
		notify(ch)
	}
}

// ConfigMap reads from the cache; a miss is checked with the API server
// (an object created just before its pod may not be cached yet). Missing
// objects are reported as Kubernetes' kubelet does: `configmap "x" not found`.
func (s *ObjectSource) ConfigMap(ns, name string) (*corev1.ConfigMap, error) {
	if cm, err := s.cms.ConfigMaps(ns).Get(name); err == nil {
		return cm, nil
	}
	cm, err := s.client.CoreV1().ConfigMaps(ns).Get(context.TODO(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, apierrors.NewNotFound(corev1.Resource("configmap"), name)
	}
	return cm, err
}

// Secret is ConfigMap for Secrets.
func (s *ObjectSource) Secret(ns, name string) (*corev1.Secret, error) {
	if sec, err := s.secrets.Secrets(ns).Get(name); err == nil {
		return sec, nil
	}
	sec, err := s.client.CoreV1().Secrets(ns).Get(context.TODO(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, apierrors.NewNotFound(corev1.Resource("secret"), name)
	}
	return sec, err
}

// Services lists the cached Services of a namespace.
func (s *ObjectSource) Services(ns string) []*corev1.Service {
	out, _ := s.services.Services(ns).List(labels.Everything())
	return out
}
