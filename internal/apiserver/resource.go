package apiserver

import (
	"context"
	"fmt"
	"reflect"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/managedfields"

	"rudder/internal/api"
	"rudder/internal/shallow"
	"rudder/internal/storage"
)

// resource is a served kind bound to its store and field managers.
type resource struct {
	kind   *api.Kind
	store  storage.Store
	prefix string // "/registry/deployments.apps" style, no trailing slash
	// gr names the kind in errors ("deployments.apps").
	gr            schema.GroupResource
	hasSpec       bool
	hasStatus     bool
	fieldManagers map[string]*managedfields.FieldManager // by subresource
}

// StorageKey is where an object of gr lives in etcd; exported so other
// packages (bootstrap, tests) agree on it.
func StorageKey(gr schema.GroupResource, namespace, name string) string {
	p := StoragePrefix(gr)
	if namespace != "" {
		p += "/" + namespace
	}
	return p + "/" + name
}

// StoragePrefix is the etcd key prefix of a group/resource.
func StoragePrefix(gr schema.GroupResource) string {
	if gr.Group == "" {
		return "/registry/" + gr.Resource
	}
	return "/registry/" + gr.Resource + "." + gr.Group
}

// StorageResource is the group/resource whose store holds k's objects.
func StorageResource(k *api.Kind) schema.GroupResource {
	if k.StoredAs != nil {
		return k.StoredAs.GroupResource()
	}
	return k.GroupResource()
}

func (s *Server) newResource(k *api.Kind) (*resource, error) {
	sgr := StorageResource(k)
	st, ok := s.cfg.Stores[sgr]
	if !ok {
		return nil, fmt.Errorf("no store for %s", sgr)
	}
	obj := k.New()
	v := reflect.ValueOf(obj).Elem()
	res := &resource{
		kind:          k,
		store:         st,
		prefix:        StoragePrefix(sgr),
		gr:            k.GroupResource(),
		hasSpec:       v.FieldByName("Spec").IsValid(),
		hasStatus:     v.FieldByName("Status").IsValid(),
		fieldManagers: map[string]*managedfields.FieldManager{},
	}
	tc := s.typeConverter
	for _, sub := range []string{"", "status"} {
		if sub == "status" && !k.HasSubresource("status") {
			continue
		}
		fm, err := managedfields.NewDefaultFieldManager(tc, objectConvertor{runtime.UnsafeObjectConvertor(s.scheme)}, defaulter{k}, s.scheme,
			k.GVK, k.GVK.GroupVersion(), sub, nil)
		if err != nil {
			return nil, fmt.Errorf("field manager: %w", err)
		}
		res.fieldManagers[sub] = fm
	}
	return res, nil
}

// defaulter applies a kind's defaults for the field manager.
type defaulter struct{ k *api.Kind }

func (d defaulter) Default(obj runtime.Object) {
	if d.k.Default != nil {
		d.k.Default(obj)
	}
}

func (r *resource) key(namespace, name string) string {
	if r.kind.Namespaced {
		return r.prefix + "/" + namespace + "/" + name
	}
	return r.prefix + "/" + name
}

// listPrefix is the key prefix of a list, across namespaces when ns is "".
func (r *resource) listPrefix(namespace string) string {
	if r.kind.Namespaced && namespace != "" {
		return r.prefix + "/" + namespace + "/"
	}
	return r.prefix + "/"
}

// fromStorage converts a stored object, which a cache may share, to a
// served object of the caller's own, with its apiVersion/kind set.
func (r *resource) fromStorage(obj runtime.Object) (runtime.Object, error) {
	return r.served(obj, runtime.Object.DeepCopyObject)
}

// fromOwnedStorage is fromStorage for an object no cache shares (what
// storage returns from a create or an update): it needs no copy.
func (r *resource) fromOwnedStorage(obj runtime.Object) (runtime.Object, error) {
	return r.served(obj, func(o runtime.Object) runtime.Object { return o })
}

// forEncoding is fromStorage for a shared object that is only read to be
// encoded (a watch event): a shallow copy can carry the served kind.
func (r *resource) forEncoding(obj runtime.Object) (runtime.Object, error) {
	return r.served(obj, shallow.Copy)
}

// served converts obj to the served kind, or takes copyOf(obj) when the
// stored kind is the served one, and sets the apiVersion/kind.
func (r *resource) served(obj runtime.Object, copyOf func(runtime.Object) runtime.Object) (runtime.Object, error) {
	if r.kind.FromStored != nil {
		rv := metaOf(obj).GetResourceVersion()
		out, err := r.kind.FromStored(obj)
		if err != nil {
			return nil, fmt.Errorf("converting stored %s: %w", r.gr, err)
		}
		metaOf(out).SetResourceVersion(rv)
		obj = out
	} else {
		obj = copyOf(obj)
	}
	obj.GetObjectKind().SetGroupVersionKind(r.kind.GVK)
	return obj, nil
}

// toStorage converts a served object to its stored form.
func (r *resource) toStorage(obj runtime.Object) (runtime.Object, error) {
	if r.kind.ToStored != nil {
		out, err := r.kind.ToStored(obj)
		if err != nil {
			return nil, fmt.Errorf("converting %s for storage: %w", r.gr, err)
		}
		return out, nil
	}
	return obj, nil
}

// get reads one object in its served form.
func (r *resource) get(ctx context.Context, namespace, name, rv string) (runtime.Object, error) {
	obj, err := r.store.Get(ctx, r.key(namespace, name), storage.GetOptions{ResourceVersion: rv})
	if err != nil {
		return nil, r.renameErr(err)
	}
	return r.fromStorage(obj)
}

// renameErr reports storage errors of shared-storage kinds under the
// served resource's name (events.events.k8s.io, not events).
func (r *resource) renameErr(err error) error {
	if r.kind.StoredAs == nil {
		return err
	}
	if se, ok := err.(*apierrors.StatusError); ok && se.ErrStatus.Details != nil {
		se.ErrStatus.Details.Group = r.gr.Group
		se.ErrStatus.Details.Kind = r.gr.Resource
	}
	return err
}
