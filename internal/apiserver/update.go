package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"

	"rudder/internal/storage"
)

func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo, sub string) {
	var opts metav1.UpdateOptions
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
	if n := metaOf(obj).GetName(); n != info.Name {
		s.writeError(w, r, errBadRequest("the name of the object (%s) does not match the name on the URL (%s)", n, info.Name))
		return
	}
	req := updateReq{ns: info.Namespace, name: info.Name, sub: sub, dryRun: isDryRun(opts.DryRun), manager: managerName(opts.FieldManager, r), builds: true}
	out, err := s.update(r.Context(), res, req,
		func(runtime.Object) (runtime.Object, error) { return obj.DeepCopyObject(), nil })
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, res, out)
}

// transformFunc computes the requested new state from the current one: a
// copy the function may keep, or, for an update marked builds, the
// update's own current object, which the function must only read.
type transformFunc func(current runtime.Object) (runtime.Object, error)

// errNotFoundForUpdate carries the not-found error out of the storage
// retry loop unchanged.
var errNoObject = errors.New("no object")

// update runs the update pipeline inside storage's optimistic retry loop:
// the transform, preconditions, server metadata, status/spec split,
// generation, defaulting, validation, managed fields, admission.
func (s *Server) update(ctx context.Context, res *resource, req updateReq, transform transformFunc) (runtime.Object, error) {
	ns, name, sub, dryRun := req.ns, req.name, req.sub, req.dryRun
	var attrs *Attributes
	try := func(stored runtime.Object) (runtime.Object, error) {
		cur, err := res.fromStorage(stored)
		if err != nil {
			return nil, err
		}
		obj, err := s.prepareUpdate(res, cur, req, transform)
		if err != nil {
			return nil, err
		}
		attrs = &Attributes{Kind: res.kind, Operation: Update, Subresource: sub, Namespace: ns, Name: name, Object: obj, Old: cur, DryRun: dryRun}
		if err := s.admit(ctx, attrs); err != nil {
			attrs = nil
			return nil, err
		}
		if err := checkSize(attrs.Object); err != nil {
			return nil, err
		}
		return res.toStorage(attrs.Object)
	}
	key := res.key(ns, name)
	if dryRun {
		cur, err := res.store.Get(ctx, key, storage.GetOptions{})
		if err != nil {
			return nil, err
		}
		out, err := try(cur)
		if err != nil {
			return nil, err
		}
		return res.fromStorage(out)
	}
	stored, err := res.store.GuaranteedUpdate(ctx, key, try)
	if err != nil {
		if attrs != nil {
			s.rollback(ctx, attrs, len(s.cfg.Admission))
		}
		return nil, err
	}
	out, err := res.fromOwnedStorage(stored)
	if err != nil {
		return nil, err
	}
	return s.finishIfFinalized(ctx, res, out)
}

// updateReq says which object an update addresses and how.
type updateReq struct {
	ns, name, sub string
	dryRun        bool
	manager       string
	// applied: the transform was a server-side apply, which tracked the
	// managed fields itself.
	applied bool
	// builds: the transform only reads the current object and returns a
	// new one (a PUT's body, a JSON or merge patch's result), so it needs
	// no copy of its own; a pod copy per kubelet status write was a
	// noticeable share of the server's work at scale.
	builds bool
	// internal: the server itself changes server-owned metadata and status
	// (deletion), so neither is reset from the current object. Such changes
	// are not tracked in managedFields: in Kubernetes a binding or a
	// deletion mark names no manager either.
	internal bool
}

func (s *Server) prepareUpdate(res *resource, cur runtime.Object, req updateReq, transform transformFunc) (runtime.Object, error) {
	sub := req.sub
	in := cur
	if !req.builds {
		in = cur.DeepCopyObject()
	}
	obj, err := transform(in)
	if err != nil {
		return nil, err
	}
	m, cm := metaOf(obj), metaOf(cur)
	if rv := m.GetResourceVersion(); rv != "" && rv != cm.GetResourceVersion() {
		return nil, errConflictModified(res.gr, cm.GetName())
	}
	if uid := m.GetUID(); uid != "" && uid != cm.GetUID() {
		return nil, apierrors.NewConflict(res.gr, cm.GetName(), fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", uid, cm.GetUID()))
	}
	if !req.internal {
		keepServerMetadata(obj, cur)
		obj = splitStatus(res, obj, cur, sub)
	}
	// A status write keeps the current spec (splitStatus), so only other
	// writes can move the generation.
	if res.hasSpec && sub != "status" && specChanged(obj, cur) {
		metaOf(obj).SetGeneration(cm.GetGeneration() + 1)
	}
	// Changes the server makes itself (deletion marks, bindings, eviction
	// bookkeeping) are not client edits: they skip client validation, which
	// would refuse e.g. a pod's nodeName changing.
	if !req.internal {
		if err := s.defaultAndValidate(res, obj, cur, sub); err != nil {
			return nil, err
		}
	}
	if req.applied || req.internal {
		return obj, nil
	}
	return s.trackUpdate(res, cur, obj, sub, req.manager)
}

// splitStatus keeps the part of the object a request may not change: the
// status on the main resource, everything but status on /status, and
// everything but spec.finalizers on namespaces' /finalize.
func splitStatus(res *resource, obj, cur runtime.Object, sub string) runtime.Object {
	switch sub {
	case "":
		if res.kind.HasSubresource("status") {
			copyField(obj, cur, "Status")
		}
		return obj
	case "status":
		out := cur.DeepCopyObject()
		copyField(out, obj, "Status")
		return out
	case "finalize":
		out := cur.DeepCopyObject()
		if f := structField(out, "Spec").FieldByName("Finalizers"); f.IsValid() {
			f.Set(structField(obj, "Spec").FieldByName("Finalizers"))
		}
		return out
	}
	return obj
}

func (s *Server) trackUpdate(res *resource, cur, obj runtime.Object, sub, manager string) (runtime.Object, error) {
	fm := res.fieldManagers[sub]
	if sub == "finalize" {
		fm = res.fieldManagers[""]
	}
	if fm == nil {
		return obj, nil
	}
	obj.GetObjectKind().SetGroupVersionKind(res.kind.GVK)
	if sub == "status" && res.hasStatus {
		return trackStatusUpdate(fm, res, cur, obj, manager), nil
	}
	// cur may be the watch cache's object, shared with every watcher: the
	// field manager sets its kind, so it gets a copy.
	live := cur.DeepCopyObject()
	live.GetObjectKind().SetGroupVersionKind(res.kind.GVK)
	return fm.UpdateNoErrors(live, obj, manager), nil
}

// trackStatusUpdate tracks a write of the status subresource. Such a
// write changes nothing but the status (splitStatus), so the field
// manager compares views holding only identity, managed fields and status
// (comparing whole pods was most of a kubelet status write's cost), and
// the managed fields it computes go on obj.
func trackStatusUpdate(fm *managedfields.FieldManager, res *resource, cur, obj runtime.Object, manager string) runtime.Object {
	live, next := statusView(res, cur), statusView(res, obj)
	metaOf(live).SetManagedFields(metaOf(cur).GetManagedFields())
	metaOf(next).SetManagedFields(metaOf(obj).GetManagedFields())
	out := fm.UpdateNoErrors(live, next, manager)
	metaOf(obj).SetManagedFields(metaOf(out).GetManagedFields())
	return obj
}

// finishIfFinalized deletes an object being deleted once its last
// finalizer is gone, as Kubernetes does on update.
func (s *Server) finishIfFinalized(ctx context.Context, res *resource, obj runtime.Object) (runtime.Object, error) {
	m := metaOf(obj)
	if m.GetDeletionTimestamp() == nil || len(m.GetFinalizers()) > 0 || namespaceWaits(obj) {
		return obj, nil
	}
	if res.kind.Resource == "pods" && !podDeletable(obj) {
		return obj, nil
	}
	rv := m.GetResourceVersion()
	_, err := res.store.Delete(ctx, res.key(m.GetNamespace(), m.GetName()), func(cur runtime.Object) error {
		if metaOf(cur).GetResourceVersion() != rv {
			return errNoObject
		}
		return nil
	})
	if err != nil && !errors.Is(err, errNoObject) && !apierrors.IsNotFound(err) {
		return nil, err
	}
	if err == nil {
		s.deleted(ctx, res.kind, obj)
	}
	return obj, nil
}
