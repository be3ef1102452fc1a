package apiserver

import (
	"context"
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/yaml"
)

func (s *Server) deleteOptions(r *http.Request) (*metav1.DeleteOptions, error) {
	opts := &metav1.DeleteOptions{}
	if err := s.decodeQuery(r, opts); err != nil {
		return nil, err
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(body) > 0 {
		info, ok := bodyFormat(s.codecs, r)
		if !ok {
			return nil, errUnsupportedMediaType(r.Header.Get("Content-Type"))
		}
		if err := decodeDeleteOptions(info, body, opts); err != nil {
			return nil, errBadRequest("decoding DeleteOptions: %v", err)
		}
	}
	if opts.PropagationPolicy != nil {
		switch *opts.PropagationPolicy {
		case metav1.DeletePropagationBackground, metav1.DeletePropagationForeground, metav1.DeletePropagationOrphan:
		default:
			return nil, apierrors.NewInvalid(schemaDeleteOptions, "", fieldErr("propagationPolicy", string(*opts.PropagationPolicy), "must be Orphan, Foreground or Background"))
		}
	}
	return opts, nil
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
	opts, err := s.deleteOptions(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, gone, err := s.delete(r.Context(), res, info.Namespace, info.Name, opts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	code := http.StatusOK
	if !gone {
		code = http.StatusOK
	}
	s.writeObject(w, r, code, res, out)
}

// delete removes an object, or marks it for deletion when finalizers (or a
// pod's grace period) must run first. gone says it left storage.
func (s *Server) delete(ctx context.Context, res *resource, ns, name string, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	dryRun := isDryRun(opts.DryRun)
	cur, err := res.get(ctx, ns, name, "")
	if err != nil {
		return nil, false, err
	}
	if err := checkPreconditions(res, cur, opts.Preconditions); err != nil {
		return nil, false, err
	}
	if err := s.admit(ctx, &Attributes{Kind: res.kind, Operation: Delete, Namespace: ns, Name: name, Old: cur, DryRun: dryRun}); err != nil {
		return nil, false, err
	}
	finalizers := deletionFinalizers(res, cur, opts)
	grace, graceful := gracePeriod(res, cur, opts)
	if finalizers.Len() == 0 && !graceful && !namespaceWaits(cur) {
		if dryRun {
			return cur, true, nil
		}
		return s.deleteNow(ctx, res, cur, opts)
	}
	out, err := s.update(ctx, res, updateReq{ns: ns, name: name, dryRun: dryRun, manager: "", applied: true, internal: true},
		func(c runtime.Object) (runtime.Object, error) {
			if err := checkPreconditions(res, c, opts.Preconditions); err != nil {
				return nil, err
			}
			markDeleting(c, finalizers, grace, graceful)
			return c, nil
		})
	if err != nil {
		return nil, false, err
	}
	return out, false, nil
}

// markDeleting sets deletionTimestamp (once; a later, shorter grace period
// may bring it forward) and the propagation finalizers.
func markDeleting(obj runtime.Object, finalizers sets.Set[string], grace int64, graceful bool) {
	m := metaOf(obj)
	now := metav1.Now()
	if !graceful {
		grace = 0
	}
	deadline := metav1.NewTime(now.Add(time.Duration(grace) * time.Second))
	if m.GetDeletionTimestamp() == nil || deadline.Before(m.GetDeletionTimestamp()) {
		m.SetDeletionTimestamp(&deadline)
		m.SetDeletionGracePeriodSeconds(&grace)
		if m.GetGeneration() > 0 {
			m.SetGeneration(m.GetGeneration() + 1)
		}
	}
	have := sets.New(m.GetFinalizers()...)
	fs := m.GetFinalizers()
	for _, f := range sets.List(finalizers) {
		if !have.Has(f) {
			fs = append(fs, f)
		}
	}
	m.SetFinalizers(fs)
	if ns, ok := obj.(*corev1.Namespace); ok {
		ns.Status.Phase = corev1.NamespaceTerminating
	}
}

func (s *Server) deleteNow(ctx context.Context, res *resource, cur runtime.Object, opts *metav1.DeleteOptions) (runtime.Object, bool, error) {
	m := metaOf(cur)
	last, err := res.store.Delete(ctx, res.key(m.GetNamespace(), m.GetName()), func(c runtime.Object) error {
		conv, err := res.fromStorage(c)
		if err != nil {
			return err
		}
		return checkPreconditions(res, conv, opts.Preconditions)
	})
	if err != nil {
		return nil, false, err
	}
	out, err := res.fromStorage(last)
	if err != nil {
		return nil, false, err
	}
	s.deleted(ctx, res.kind, out)
	return out, true, nil
}

func checkPreconditions(res *resource, obj runtime.Object, p *metav1.Preconditions) error {
	if p == nil {
		return nil
	}
	m := metaOf(obj)
	if p.UID != nil && *p.UID != m.GetUID() {
		return apierrors.NewConflict(res.gr, m.GetName(), fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, m.GetUID()))
	}
	if p.ResourceVersion != nil && *p.ResourceVersion != m.GetResourceVersion() {
		return apierrors.NewConflict(res.gr, m.GetName(), fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, m.GetResourceVersion()))
	}
	return nil
}

// deletionFinalizers is the set of finalizers the object must carry for
// the deletion to complete: its own, plus orphan/foregroundDeletion for
// the garbage collector as the propagation policy asks.
func deletionFinalizers(res *resource, obj runtime.Object, opts *metav1.DeleteOptions) sets.Set[string] {
	m := metaOf(obj)
	fs := sets.New(m.GetFinalizers()...)
	policy := opts.PropagationPolicy
	if policy == nil && opts.OrphanDependents != nil {
		p := metav1.DeletePropagationBackground
		if *opts.OrphanDependents {
			p = metav1.DeletePropagationOrphan
		}
		policy = &p
	}
	if policy != nil {
		switch *policy {
		case metav1.DeletePropagationOrphan:
			fs.Insert(metav1.FinalizerOrphanDependents)
			fs.Delete(metav1.FinalizerDeleteDependents)
		case metav1.DeletePropagationForeground:
			fs.Insert(metav1.FinalizerDeleteDependents)
			fs.Delete(metav1.FinalizerOrphanDependents)
		}
	}
	return fs
}

// namespaceWaits: a namespace with spec finalizers is emptied by the
// namespace controller before it goes; until then it is Terminating.
func namespaceWaits(obj runtime.Object) bool {
	ns, ok := obj.(*corev1.Namespace)
	return ok && len(ns.Spec.Finalizers) > 0
}

// gracePeriod says whether a pod's deletion waits for its kubelet: pods
// bound to a node and still running get deletionTimestamp = now + grace
// and are removed by the kubelet (or by a delete with grace 0).
func gracePeriod(res *resource, obj runtime.Object, opts *metav1.DeleteOptions) (int64, bool) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return 0, false
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	if opts.GracePeriodSeconds != nil {
		grace = *opts.GracePeriodSeconds
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0, false
	}
	if grace <= 0 {
		return 0, false
	}
	return grace, true
}

// podDeletable: a pod marked for deletion leaves storage once its
// finalizers are gone only if nothing (no kubelet) still has to stop it.
func podDeletable(obj runtime.Object) bool {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return true
	}
	g := pod.DeletionGracePeriodSeconds
	return (g != nil && *g == 0) || pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

func (s *Server) handleDeleteCollection(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
	opts, err := s.deleteOptions(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var lo metav1.ListOptions
	if err := s.decodeQuery(r, &lo); err != nil {
		s.writeError(w, r, err)
		return
	}
	pred, err := s.predicate(res, lo.LabelSelector, lo.FieldSelector)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	lo.Limit, lo.Continue = 0, ""
	list, err := s.list(r, res, info.Namespace, lo, pred)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items, _ := extractList(list)
	for _, it := range items {
		m := metaOf(it)
		if _, _, err := s.delete(r.Context(), res, m.GetNamespace(), m.GetName(), opts); err != nil && !apierrors.IsNotFound(err) {
			s.writeError(w, r, err)
			return
		}
	}
	s.writeObject(w, r, http.StatusOK, res, list)
}

// decodeDeleteOptions accepts DeleteOptions with apiVersion v1,
// meta.k8s.io/v1 or none at all (kubectl sends only the fields).
func decodeDeleteOptions(info runtime.SerializerInfo, body []byte, opts *metav1.DeleteOptions) error {
	if info.MediaType == mediaJSON || info.MediaType == mediaYAML {
		return yaml.Unmarshal(body, opts)
	}
	want := schema.GroupVersionKind{Version: "v1", Kind: "DeleteOptions"}
	_, _, err := info.Serializer.Decode(body, &want, opts)
	return err
}
