package replicaset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// workload is what the controller needs to know of a ReplicaSet or a
// ReplicationController; the two differ only in selector type and status
// types, so one controller serves both through this view.
type workload struct {
	obj      runtime.Object // the original, for events
	meta     metav1.Object
	replicas int32
	selector labels.Selector
	template *corev1.PodTemplateSpec
	minReady int32
	status   appsv1.ReplicaSetStatus
}

// kind adapts one API kind to the controller.
type kind interface {
	gvk() schema.GroupVersionKind
	informer() cache.SharedIndexInformer
	// view converts an informer object; false if obj is not of this kind.
	view(obj any) (*workload, bool)
	// peek is the little of view that the event handlers need, without
	// converting the selector (which would cost more than the handler).
	peek(obj any) (meta metav1.Object, minReady int32, ok bool)
	// get reads the object from the API server (not the cache).
	get(ctx context.Context, ns, name string) (metav1.Object, error)
	updateStatus(ctx context.Context, w *workload, st appsv1.ReplicaSetStatus) error
}

type rsKind struct {
	client kubernetes.Interface
	inf    cache.SharedIndexInformer
}

func newRSKind(client kubernetes.Interface, f informers.SharedInformerFactory) *rsKind {
	return &rsKind{client: client, inf: f.Apps().V1().ReplicaSets().Informer()}
}

func (k *rsKind) gvk() schema.GroupVersionKind {
	return appsv1.SchemeGroupVersion.WithKind("ReplicaSet")
}

func (k *rsKind) informer() cache.SharedIndexInformer { return k.inf }

func (k *rsKind) view(obj any) (*workload, bool) {
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return nil, false
	}
	sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil || rs.Spec.Selector == nil || sel.Empty() {
		sel = labels.Nothing() // never select every pod of the namespace
	}
	return &workload{
		obj: rs, meta: rs, replicas: replicasOf(rs.Spec.Replicas), selector: sel,
		template: &rs.Spec.Template, minReady: rs.Spec.MinReadySeconds,
		status: rs.Status,
	}, true
}

func (k *rsKind) peek(obj any) (metav1.Object, int32, bool) {
	rs, ok := obj.(*appsv1.ReplicaSet)
	if !ok {
		return nil, 0, false
	}
	return rs, rs.Spec.MinReadySeconds, true
}

func (k *rsKind) get(ctx context.Context, ns, name string) (metav1.Object, error) {
	return k.client.AppsV1().ReplicaSets(ns).Get(ctx, name, metav1.GetOptions{})
}

func (k *rsKind) updateStatus(ctx context.Context, w *workload, st appsv1.ReplicaSetStatus) error {
	rs := w.obj.(*appsv1.ReplicaSet).DeepCopy()
	rs.Status = st
	_, err := k.client.AppsV1().ReplicaSets(rs.Namespace).UpdateStatus(ctx, rs, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("updating status of replicaset %s/%s: %w", rs.Namespace, rs.Name, err)
	}
	return nil
}

type rcKind struct {
	client kubernetes.Interface
	inf    cache.SharedIndexInformer
}

func newRCKind(client kubernetes.Interface, f informers.SharedInformerFactory) *rcKind {
	return &rcKind{client: client, inf: f.Core().V1().ReplicationControllers().Informer()}
}

func (k *rcKind) gvk() schema.GroupVersionKind {
	return corev1.SchemeGroupVersion.WithKind("ReplicationController")
}

func (k *rcKind) informer() cache.SharedIndexInformer { return k.inf }

func (k *rcKind) view(obj any) (*workload, bool) {
	rc, ok := obj.(*corev1.ReplicationController)
	if !ok {
		return nil, false
	}
	sel := labels.Nothing()
	if len(rc.Spec.Selector) > 0 {
		sel = labels.SelectorFromSet(rc.Spec.Selector)
	}
	return &workload{
		obj: rc, meta: rc, replicas: replicasOf(rc.Spec.Replicas), selector: sel,
		template: rc.Spec.Template, minReady: rc.Spec.MinReadySeconds,
		status: rsStatusFromRC(rc.Status),
	}, true
}

func (k *rcKind) peek(obj any) (metav1.Object, int32, bool) {
	rc, ok := obj.(*corev1.ReplicationController)
	if !ok {
		return nil, 0, false
	}
	return rc, rc.Spec.MinReadySeconds, true
}

func (k *rcKind) get(ctx context.Context, ns, name string) (metav1.Object, error) {
	return k.client.CoreV1().ReplicationControllers(ns).Get(ctx, name, metav1.GetOptions{})
}

func (k *rcKind) updateStatus(ctx context.Context, w *workload, st appsv1.ReplicaSetStatus) error {
	rc := w.obj.(*corev1.ReplicationController).DeepCopy()
	rc.Status = rcStatusFromRS(st)
	_, err := k.client.CoreV1().ReplicationControllers(rc.Namespace).UpdateStatus(ctx, rc, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("updating status of replicationcontroller %s/%s: %w", rc.Namespace, rc.Name, err)
	}
	return nil
}

func rsStatusFromRC(s corev1.ReplicationControllerStatus) appsv1.ReplicaSetStatus {
	out := appsv1.ReplicaSetStatus{
		Replicas: s.Replicas, FullyLabeledReplicas: s.FullyLabeledReplicas,
		ReadyReplicas: s.ReadyReplicas, AvailableReplicas: s.AvailableReplicas,
		ObservedGeneration: s.ObservedGeneration,
	}
	for _, c := range s.Conditions {
		out.Conditions = append(out.Conditions, appsv1.ReplicaSetCondition{
			Type: appsv1.ReplicaSetConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return out
}

func rcStatusFromRS(s appsv1.ReplicaSetStatus) corev1.ReplicationControllerStatus {
	out := corev1.ReplicationControllerStatus{
		Replicas: s.Replicas, FullyLabeledReplicas: s.FullyLabeledReplicas,
		ReadyReplicas: s.ReadyReplicas, AvailableReplicas: s.AvailableReplicas,
		ObservedGeneration: s.ObservedGeneration,
	}
	for _, c := range s.Conditions {
		out.Conditions = append(out.Conditions, corev1.ReplicationControllerCondition{
			Type: corev1.ReplicationControllerConditionType(c.Type), Status: c.Status,
			LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message,
		})
	}
	return out
}

// replicasOf reads an optional replica count; the API defaults it to 1.
func replicasOf(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

func (w *workload) key() string { return w.meta.GetNamespace() + "/" + w.meta.GetName() }

func (w *workload) uid() types.UID { return w.meta.GetUID() }
