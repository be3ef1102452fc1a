package apiserver

import (
	"context"
	"fmt"
	"rudder/internal/storage"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// EnsureObject creates obj through the whole create pipeline (defaults,
// validation, admission) unless an object of that name exists. The server
// uses it for what must exist from the start (default namespaces).
func (s *Server) EnsureObject(ctx context.Context, gvr schema.GroupVersionResource, obj runtime.Object) error {
	res, ok := s.kinds[gvr]
	if !ok {
		return fmt.Errorf("unknown resource %s", gvr)
	}
	m := metaOf(obj)
	if _, err := res.get(ctx, m.GetNamespace(), m.GetName(), ""); err == nil {
		return nil
	} else if !apierrors.IsNotFound(err) {
		return fmt.Errorf("reading %s %s: %w", gvr.Resource, m.GetName(), err)
	}
	obj.GetObjectKind().SetGroupVersionKind(res.kind.GVK)
	if _, err := s.create(ctx, res, obj, false, "rudder", false); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating %s %s: %w", gvr.Resource, m.GetName(), err)
	}
	return nil
}

// ListObjects reads every object of gvr (in namespace, or all) for
// in-process consumers such as admission plugins.
func (s *Server) ListObjects(ctx context.Context, gvr schema.GroupVersionResource, namespace string) ([]runtime.Object, error) {
	res, ok := s.kinds[gvr]
	if !ok {
		return nil, fmt.Errorf("unknown resource %s", gvr)
	}
	result, err := res.store.List(ctx, res.listPrefix(namespace), storage.ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]runtime.Object, 0, len(result.Items))
	for _, it := range result.Items {
		o, err := res.fromStorage(it)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}
