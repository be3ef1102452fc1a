package apiserver

import (
	"bytes"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"net/http"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

var statusGVK = schema.GroupVersionKind{Version: "v1", Kind: "Status"}

// writeError answers with a metav1.Status in the negotiated encoding.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	st := toStatus(err)
	st.APIVersion, st.Kind = "v1", "Status"
	format, ok := negotiate(s.codecs, r)
	if !ok || format.info.MediaType == mediaYAML {
		writeJSON(w, int(st.Code), st)
		return
	}
	var buf bytes.Buffer
	st.GetObjectKind().SetGroupVersionKind(statusGVK)
	if err := format.info.Serializer.Encode(st, &buf); err != nil {
		writeJSON(w, int(st.Code), st)
		return
	}
	w.Header().Set("Content-Type", format.info.MediaType)
	w.WriteHeader(int(st.Code))
	_, _ = w.Write(buf.Bytes())
}

// writeObject answers with obj (an object or list of res) converted to
// what the client asked for (Table, PartialObjectMetadata) and encoded.
func (s *Server) writeObject(w http.ResponseWriter, r *http.Request, code int, res *resource, obj runtime.Object) {
	format, ok := negotiate(s.codecs, r)
	if !ok {
		s.writeError(w, r, errNotAcceptable(r.Header.Get("Accept")))
		return
	}
	out, err := s.convertOutput(r, format, res, obj)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := format.info.Serializer.Encode(out, &buf); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", format.info.MediaType)
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// convertOutput turns obj into the target representation.
func (s *Server) convertOutput(r *http.Request, format outputFormat, res *resource, obj runtime.Object) (runtime.Object, error) {
	switch format.target {
	case asTable:
		if res == nil {
			return obj, nil
		}
		return s.toTable(r, res, obj)
	case asPartialMetadata:
		return toPartialMetadata(obj)
	}
	return obj, nil
}

func toPartialMetadata(obj runtime.Object) (runtime.Object, error) {
	if meta.IsListType(obj) {
		items, err := meta.ExtractList(obj)
		if err != nil {
			return nil, err
		}
		lm, _ := meta.ListAccessor(obj)
		out := &metav1.PartialObjectMetadataList{}
		out.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("PartialObjectMetadataList"))
		out.ResourceVersion = lm.GetResourceVersion()
		out.Continue = lm.GetContinue()
		out.RemainingItemCount = lm.GetRemainingItemCount()
		for _, it := range items {
			out.Items = append(out.Items, *partialOf(it))
		}
		return out, nil
	}
	return partialOf(obj), nil
}

func partialOf(obj runtime.Object) *metav1.PartialObjectMetadata {
	m := metaOf(obj)
	p := &metav1.PartialObjectMetadata{}
	p.SetGroupVersionKind(metav1.SchemeGroupVersion.WithKind("PartialObjectMetadata"))
	p.ObjectMeta = *asObjectMeta(m)
	return p
}

func asObjectMeta(m metav1.Object) *metav1.ObjectMeta {
	if om, ok := m.(*metav1.ObjectMeta); ok {
		return om.DeepCopy()
	}
	om := &metav1.ObjectMeta{
		Name: m.GetName(), GenerateName: m.GetGenerateName(), Namespace: m.GetNamespace(),
		UID: m.GetUID(), ResourceVersion: m.GetResourceVersion(), Generation: m.GetGeneration(),
		CreationTimestamp: m.GetCreationTimestamp(), DeletionTimestamp: m.GetDeletionTimestamp(),
		DeletionGracePeriodSeconds: m.GetDeletionGracePeriodSeconds(), Labels: m.GetLabels(),
		Annotations: m.GetAnnotations(), OwnerReferences: m.GetOwnerReferences(),
		Finalizers: m.GetFinalizers(), ManagedFields: m.GetManagedFields(),
	}
	return om.DeepCopy()
}

// metaOf returns the object metadata accessor; every served type has it.
func metaOf(obj runtime.Object) metav1.Object {
	m, err := meta.Accessor(obj)
	if err != nil {
		panic(err) // only objects with ObjectMeta reach here
	}
	return m
}
