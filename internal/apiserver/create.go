package apiserver

import (
	"context"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func (s *Server) handleCreate(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
	var opts metav1.CreateOptions
	if err := s.decodeQuery(r, &opts); err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := readBody(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	obj, err := s.decodeObject(w, r, res, body, opts.FieldValidation)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := setRequestNamespace(res, obj, info.Namespace); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.create(r.Context(), res, obj, isDryRun(opts.DryRun), managerName(opts.FieldManager, r), false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusCreated, res, out)
}

// setRequestNamespace reconciles the namespace in the body with the URL's.
func setRequestNamespace(res *resource, obj runtime.Object, ns string) error {
	m := metaOf(obj)
	if !res.kind.Namespaced {
		m.SetNamespace("")
		return nil
	}
	if ns == "" {
		return errBadRequest("the namespace of the object must be given in the request path")
	}
	if m.GetNamespace() != "" && m.GetNamespace() != ns {
		return errBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	m.SetNamespace(ns)
	return nil
}

func isDryRun(dryRun []string) bool {
	for _, d := range dryRun {
		if d == metav1.DryRunAll {
			return true
		}
	}
	return false
}

// managerName is the field manager of a write: the explicit one, else
// derived from the user agent as Kubernetes does.
func managerName(explicit string, r *http.Request) string {
	if explicit != "" {
		return explicit
	}
	ua := r.UserAgent()
	for i, c := range ua {
		if c == '/' {
			return ua[:i]
		}
	}
	if ua == "" {
		return "unknown"
	}
	return ua
}

// create runs the create pipeline: server metadata, defaulting,
// validation, managed fields (unless an apply already tracked them),
// admission, size check, storage.
func (s *Server) create(ctx context.Context, res *resource, obj runtime.Object, dryRun bool, manager string, tracked bool) (runtime.Object, error) {
	m := metaOf(obj)
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(generateName(m.GetGenerateName()))
	}
	prepareCreate(res, obj)
	if err := s.defaultAndValidate(res, obj, nil, ""); err != nil {
		return nil, err
	}
	if !tracked {
		var err error
		if obj, err = s.trackCreate(res, obj, manager); err != nil {
			return nil, err
		}
	}
	a := &Attributes{Kind: res.kind, Operation: Create, Namespace: m.GetNamespace(), Name: m.GetName(), Object: obj, DryRun: dryRun}
	if err := s.admit(ctx, a); err != nil {
		return nil, err
	}
	obj = a.Object
	if dryRun {
		return obj, nil
	}
	stored, err := s.storeCreate(ctx, res, obj)
	if err != nil {
		s.rollback(ctx, a, len(s.cfg.Admission))
		return nil, err
	}
	return stored, nil
}

func (s *Server) trackCreate(res *resource, obj runtime.Object, manager string) (runtime.Object, error) {
	fm := res.fieldManagers[""]
	if fm == nil {
		return obj, nil
	}
	live := res.kind.New()
	live.GetObjectKind().SetGroupVersionKind(res.kind.GVK)
	obj.GetObjectKind().SetGroupVersionKind(res.kind.GVK)
	return fm.UpdateNoErrors(live, obj, manager), nil
}

func (s *Server) storeCreate(ctx context.Context, res *resource, obj runtime.Object) (runtime.Object, error) {
	if err := checkSize(obj); err != nil {
		return nil, err
	}
	sobj, err := res.toStorage(obj)
	if err != nil {
		return nil, err
	}
	m := metaOf(obj)
	stored, err := res.store.Create(ctx, res.key(m.GetNamespace(), m.GetName()), sobj)
	if err != nil {
		return nil, err
	}
	return res.fromOwnedStorage(stored)
}

// defaultAndValidate runs a kind's hooks; old is nil on create.
func (s *Server) defaultAndValidate(res *resource, obj, old runtime.Object, sub string) error {
	k := res.kind
	if k.Default != nil {
		k.Default(obj)
	}
	var errs field.ErrorList
	m := metaOf(obj)
	if old == nil {
		if k.PrepareForCreate != nil {
			k.PrepareForCreate(obj)
		}
		if m.GetName() == "" {
			errs = append(errs, field.Required(field.NewPath("metadata", "name"), "name or generateName is required"))
		}
		if k.Validate != nil {
			errs = append(errs, k.Validate(obj)...)
		}
	} else {
		if sub == "" && k.PrepareForUpdate != nil {
			k.PrepareForUpdate(obj, old)
		}
		switch {
		case k.ValidateUpdate != nil:
			errs = append(errs, k.ValidateUpdate(obj, old)...)
		case k.Validate != nil:
			errs = append(errs, k.Validate(obj)...)
		}
	}
	if len(errs) > 0 {
		return apierrors.NewInvalid(k.GVK.GroupKind(), m.GetName(), errs)
	}
	return nil
}

// checkSize refuses objects etcd would refuse, with the status Kubernetes
// returns for them.
func checkSize(obj runtime.Object) error {
	if sz, ok := obj.(interface{ Size() int }); ok && sz.Size() > maxObjectBytes {
		return apierrors.NewRequestEntityTooLargeError("limit is 1572864")
	}
	return nil
}
