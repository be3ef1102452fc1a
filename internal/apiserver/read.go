package apiserver

import (
	"fmt"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"net/http"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/storage"
)

func (s *Server) decodeQuery(r *http.Request, into runtime.Object) error {
	if err := runtime.NewParameterCodec(s.scheme).DecodeParameters(r.URL.Query(), schema.GroupVersion{Version: "v1"}, into); err != nil {
		return errBadRequest("invalid query parameters: %v", err)
	}
	return nil
}

func (s *Server) handleGet(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
	var opts metav1.GetOptions
	if err := s.decodeQuery(r, &opts); err != nil {
		s.writeError(w, r, err)
		return
	}
	obj, err := res.get(r.Context(), info.Namespace, info.Name, opts.ResourceVersion)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, res, obj)
}

// predicate builds the storage filter from label and field selectors,
// refusing fields the kind does not support as Kubernetes does.
func (s *Server) predicate(res *resource, labelSel, fieldSel string) (storage.Predicate, error) {
	ls, err := labels.Parse(labelSel)
	if err != nil {
		return nil, errBadRequest("unable to parse requirement: %v", err)
	}
	fs, err := fields.ParseSelector(fieldSel)
	if err != nil {
		return nil, errBadRequest("invalid field selector: %v", err)
	}
	if err := checkFieldSelector(res, fs); err != nil {
		return nil, err
	}
	if ls.Empty() && fs.Empty() {
		return nil, nil
	}
	return func(obj runtime.Object) bool {
		if res.kind.FromStored != nil {
			conv, err := res.kind.FromStored(obj)
			if err != nil {
				return false
			}
			obj = conv
		}
		m := metaOf(obj)
		if !ls.Matches(labels.Set(m.GetLabels())) {
			return false
		}
		return fs.Empty() || fs.Matches(objectFields(res, obj, m))
	}, nil
}

func objectFields(res *resource, obj runtime.Object, m metav1.Object) fields.Set {
	set := fields.Set{"metadata.name": m.GetName()}
	if res.kind.Namespaced {
		set["metadata.namespace"] = m.GetNamespace()
	}
	if res.kind.Fields != nil {
		for k, v := range res.kind.Fields(obj) {
			set[k] = v
		}
	}
	return set
}

func checkFieldSelector(res *resource, fs fields.Selector) error {
	if fs.Empty() {
		return nil
	}
	known := objectFields(res, res.kind.New(), metaOf(res.kind.New()))
	for _, req := range fs.Requirements() {
		if _, ok := known[req.Field]; !ok {
			names := make([]string, 0, len(known))
			for k := range known {
				names = append(names, fmt.Sprintf("%q", k))
			}
			sort.Strings(names)
			return errBadRequest("field label not supported: %s (supported: %s)", req.Field, strings.Join(names, ", "))
		}
	}
	return nil
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
	var opts metav1.ListOptions
	if err := s.decodeQuery(r, &opts); err != nil {
		s.writeError(w, r, err)
		return
	}
	pred, err := s.predicate(res, opts.LabelSelector, opts.FieldSelector)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	list, err := s.list(r, res, info.Namespace, opts, pred)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, res, list)
}

// list reads one page and builds the kind's List object.
func (s *Server) list(r *http.Request, res *resource, namespace string, opts metav1.ListOptions, pred storage.Predicate) (runtime.Object, error) {
	result, err := res.store.List(r.Context(), res.listPrefix(namespace), storage.ListOptions{
		ResourceVersion:      opts.ResourceVersion,
		ResourceVersionMatch: string(opts.ResourceVersionMatch),
		Limit:                opts.Limit,
		Continue:             opts.Continue,
		Predicate:            pred,
	})
	if err != nil {
		return nil, err
	}
	items := make([]runtime.Object, 0, len(result.Items))
	for _, it := range result.Items {
		conv, err := res.fromStorage(it)
		if err != nil {
			return nil, err
		}
		conv.GetObjectKind().SetGroupVersionKind(schemaEmpty)
		items = append(items, conv)
	}
	list := res.kind.NewList()
	if err := meta.SetList(list, items); err != nil {
		return nil, fmt.Errorf("building list: %w", err)
	}
	lm, err := meta.ListAccessor(list)
	if err != nil {
		return nil, err
	}
	lm.SetResourceVersion(fmt.Sprint(result.ResourceVersion))
	lm.SetContinue(result.Continue)
	lm.SetRemainingItemCount(result.RemainingItemCount)
	list.GetObjectKind().SetGroupVersionKind(res.kind.GVK.GroupVersion().WithKind(res.kind.GVK.Kind + "List"))
	return list, nil
}
