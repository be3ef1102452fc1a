package apiserver

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"rudder/internal/api"
)

// Operation is what a write does, in admission's terms.
type Operation string

const (
	Create Operation = "CREATE"
	Update Operation = "UPDATE"
	Delete Operation = "DELETE"
)

// Attributes describe one write to admission plugins.
type Attributes struct {
	Kind        *api.Kind
	Operation   Operation
	Subresource string
	Namespace   string
	Name        string
	Object      runtime.Object // new state (nil on delete)
	Old         runtime.Object // current state (nil on create)
	DryRun      bool
}

// Admission sees every write after validation and before storage; it may
// change a.Object (mutating) or refuse the write with an API error.
type Admission interface {
	Admit(ctx context.Context, a *Attributes) error
}

// Rollbacker is implemented by admission plugins that reserve something
// (an IP, a port) in Admit: Rollback is called when the write did not
// happen, so nothing leaks.
type Rollbacker interface {
	Rollback(ctx context.Context, a *Attributes)
}

// DeleteObserver is implemented by plugins that must release what an
// object held once it is really gone from storage.
type DeleteObserver interface {
	Deleted(ctx context.Context, kind *api.Kind, obj runtime.Object)
}

func (s *Server) admit(ctx context.Context, a *Attributes) error {
	if a.Operation == Create && a.Kind.Namespaced {
		if err := s.checkNamespace(ctx, a.Namespace); err != nil {
			return err
		}
	}
	for i, p := range s.cfg.Admission {
		if err := p.Admit(ctx, a); err != nil {
			s.rollback(ctx, a, i)
			return err
		}
	}
	return nil
}

// rollback undoes the first n plugins' reservations.
func (s *Server) rollback(ctx context.Context, a *Attributes, n int) {
	for _, p := range s.cfg.Admission[:n] {
		if rb, ok := p.(Rollbacker); ok {
			rb.Rollback(ctx, a)
		}
	}
}

func (s *Server) deleted(ctx context.Context, k *api.Kind, obj runtime.Object) {
	for _, p := range s.cfg.Admission {
		if do, ok := p.(DeleteObserver); ok {
			do.Deleted(ctx, k, obj)
		}
	}
}

var namespacesGVR = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}

// checkNamespace is the NamespaceLifecycle rule: objects are created only
// in namespaces that exist and are not being deleted.
func (s *Server) checkNamespace(ctx context.Context, ns string) error {
	res, ok := s.kinds[namespacesGVR]
	if !ok {
		return nil
	}
	obj, err := res.get(ctx, "", ns, "0")
	if apierrors.IsNotFound(err) {
		obj, err = res.get(ctx, "", ns, "")
	}
	if err != nil {
		return err
	}
	if n, ok := obj.(*corev1.Namespace); ok && (n.DeletionTimestamp != nil || n.Status.Phase == corev1.NamespaceTerminating) {
		return &apierrors.StatusError{ErrStatus: metav1.Status{
			Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
			Message: fmt.Sprintf("unable to create new content in namespace %s because it is being terminated", ns),
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: "NamespaceTerminating", Field: "metadata.namespace", Message: "namespace is being terminated"}}},
		}}
	}
	return nil
}
