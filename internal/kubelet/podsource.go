package kubelet

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

const (
	nodeNameIndex = "spec.nodeName"
	consumedIndex = "consumed"
)

// PodSource is an informer on pods whose events are dispatched to the
// kubelet of each pod's node. One source serves one kubelet (watching
// spec.nodeName=<node>) or, in the agent, many simulated kubelets (one watch
// for all of them).
type PodSource struct {
	informer cache.SharedIndexInformer

	mu   sync.RWMutex
	subs map[string]func(podRef)
}

// podRef names a pod: the worker reads the latest object by name and
// checks the UID (a pod recreated with the same name is another pod).
type podRef struct {
	UID       types.UID
	Namespace string
	Name      string
}

// NewPodSource watches the pods bound to nodeName, or all pods bound to a
// node when nodeName is empty. (Pods not bound yet concern no kubelet:
// the server sends a pod as added once it is bound. Watching them too
// cost the agent of many simulated nodes a decode of every pod created
// and every scheduling attempt.)
func NewPodSource(client kubernetes.Interface, nodeName string) *PodSource {
	selector := fields.OneTermNotEqualSelector("spec.nodeName", "")
	if nodeName != "" {
		selector = fields.OneTermEqualSelector("spec.nodeName", nodeName)
	}
	lw := &cache.ListWatch{
		ListFunc: func(o metav1.ListOptions) (runtime.Object, error) {
			o.FieldSelector = selector.String()
			return client.CoreV1().Pods(metav1.NamespaceAll).List(context.Background(), o)
		},
		WatchFunc: func(o metav1.ListOptions) (watch.Interface, error) {
			o.FieldSelector = selector.String()
			return client.CoreV1().Pods(metav1.NamespaceAll).Watch(context.Background(), o)
		},
	}
	inf := cache.NewSharedIndexInformer(lw, &corev1.Pod{}, 0, cache.Indexers{nodeNameIndex: indexByNode, consumedIndex: indexByConsumed})
	s := &PodSource{informer: inf, subs: map[string]func(podRef){}}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { s.dispatch(nil, obj) },
		UpdateFunc: s.dispatch,
		DeleteFunc: func(obj any) { s.dispatch(nil, obj) },
	})
	return s
}

func indexByNode(obj any) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return nil, nil
	}
	return []string{pod.Spec.NodeName}, nil
}

// Run runs the informer until ctx ends.
func (s *PodSource) Run(ctx context.Context) { s.informer.Run(ctx.Done()) }

// WaitForSync waits for the initial list; false if ctx ended first.
func (s *PodSource) WaitForSync(ctx context.Context) bool {
	return cache.WaitForCacheSync(ctx.Done(), s.informer.HasSynced)
}

// Subscribe delivers changes of the pods of a node to notify, starting
// with every pod already known. It returns the function that unsubscribes.
func (s *PodSource) Subscribe(nodeName string, notify func(podRef)) func() {
	s.mu.Lock()
	s.subs[nodeName] = notify
	s.mu.Unlock()
	for _, pod := range s.List(nodeName) {
		notify(refOf(pod))
	}
	return func() {
		s.mu.Lock()
		delete(s.subs, nodeName)
		s.mu.Unlock()
	}
}

func (s *PodSource) dispatch(oldObj, newObj any) {
	for _, obj := range []any{oldObj, newObj} {
		if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		pod, ok := obj.(*corev1.Pod)
		if !ok || pod.Spec.NodeName == "" {
			continue
		}
		s.mu.RLock()
		notify := s.subs[pod.Spec.NodeName]
		s.mu.RUnlock()
		if notify != nil {
			notify(refOf(pod))
		}
	}
}

func refOf(pod *corev1.Pod) podRef {
	return podRef{UID: pod.UID, Namespace: pod.Namespace, Name: pod.Name}
}

// Get returns the current pod object of ref, or nil when the pod is gone
// (deleted, or replaced by another pod of the same name).
func (s *PodSource) Get(ref podRef) *corev1.Pod {
	obj, ok, err := s.informer.GetIndexer().GetByKey(ref.Namespace + "/" + ref.Name)
	if err != nil || !ok {
		return nil
	}
	pod := obj.(*corev1.Pod)
	if pod.UID != ref.UID {
		return nil
	}
	return pod
}

// List returns the pods bound to a node.
func (s *PodSource) List(nodeName string) []*corev1.Pod {
	objs, err := s.informer.GetIndexer().ByIndex(nodeNameIndex, nodeName)
	if err != nil {
		panic(fmt.Sprintf("pod index %s missing: %v", nodeNameIndex, err)) // programming error
	}
	out := make([]*corev1.Pod, 0, len(objs))
	for _, o := range objs {
		out = append(out, o.(*corev1.Pod))
	}
	return out
}

// Consumers returns the pods bound to a node that consume an object.
func (s *PodSource) Consumers(nodeName string, o objectChange) []*corev1.Pod {
	objs, err := s.informer.GetIndexer().ByIndex(consumedIndex, o.key())
	if err != nil {
		panic(fmt.Sprintf("pod index %s missing: %v", consumedIndex, err)) // programming error
	}
	var out []*corev1.Pod
	for _, obj := range objs {
		if pod := obj.(*corev1.Pod); pod.Spec.NodeName == nodeName {
			out = append(out, pod)
		}
	}
	return out
}

// getByName returns the pod of that name, whatever its UID.
func (s *PodSource) getByName(namespace, name string) *corev1.Pod {
	obj, ok, err := s.informer.GetIndexer().GetByKey(namespace + "/" + name)
	if err != nil || !ok {
		return nil
	}
	return obj.(*corev1.Pod)
}
