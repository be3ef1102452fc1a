package apiserver

import (
	"encoding/json"
	"net/http"
	"reflect"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var scaleGVK = autoscalingv1.SchemeGroupVersion.WithKind("Scale")

// scaleOf reads the Scale view of any kind with spec.replicas,
// status.replicas and a selector (LabelSelector or RC's map).
func scaleOf(obj runtime.Object) *autoscalingv1.Scale {
	m := metaOf(obj)
	sc := &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{
		Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUID(),
		ResourceVersion: m.GetResourceVersion(), CreationTimestamp: m.GetCreationTimestamp(),
	}}
	sc.SetGroupVersionKind(scaleGVK)
	spec, status := structField(obj, "Spec"), structField(obj, "Status")
	sc.Spec.Replicas = int32Of(spec.FieldByName("Replicas"))
	sc.Status.Replicas = int32Of(status.FieldByName("Replicas"))
	switch sel := spec.FieldByName("Selector").Interface().(type) {
	case *metav1.LabelSelector:
		if s, err := metav1.LabelSelectorAsSelector(sel); err == nil {
			sc.Status.Selector = s.String()
		}
	case map[string]string:
		sc.Status.Selector = labels.SelectorFromSet(sel).String()
	}
	return sc
}

func int32Of(v reflect.Value) int32 {
	if !v.IsValid() {
		return 0
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 1
		}
		v = v.Elem()
	}
	return int32(v.Int())
}

func setReplicas(obj runtime.Object, n int32) {
	f := structField(obj, "Spec").FieldByName("Replicas")
	if f.Kind() == reflect.Pointer {
		f.Set(reflect.ValueOf(&n))
		return
	}
	f.SetInt(int64(n))
}

func (s *Server) serveScale(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
	switch info.Verb {
	case "get":
		obj, err := res.get(r.Context(), info.Namespace, info.Name, r.URL.Query().Get("resourceVersion"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeObject(w, r, http.StatusOK, nil, scaleOf(obj))
	case "update", "patch":
		s.updateScale(w, r, res, info)
	default:
		s.writeError(w, r, errMethodNotSupported(res.gr, info.Verb))
	}
}

func (s *Server) updateScale(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo) {
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
	pt := types.PatchType(mediaTypeOnly(r.Header.Get("Content-Type")))
	var result *autoscalingv1.Scale
	req := updateReq{ns: info.Namespace, name: info.Name, dryRun: isDryRun(opts.DryRun), manager: managerName(opts.FieldManager, r)}
	out, err := s.update(r.Context(), res, req, func(cur runtime.Object) (runtime.Object, error) {
		want, err := s.requestedScale(r, info.Verb, pt, body, scaleOf(cur))
		if err != nil {
			return nil, err
		}
		if want.Spec.Replicas < 0 {
			return nil, apierrors.NewInvalid(scaleGVK.GroupKind(), info.Name, field.ErrorList{
				field.Invalid(field.NewPath("spec", "replicas"), want.Spec.Replicas, "must be greater than or equal to 0")})
		}
		if rv := want.ResourceVersion; rv != "" && rv != metaOf(cur).GetResourceVersion() {
			return nil, errConflictModified(res.gr, info.Name)
		}
		setReplicas(cur, want.Spec.Replicas)
		return cur, nil
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	result = scaleOf(out)
	s.writeObject(w, r, http.StatusOK, nil, result)
}

// requestedScale decodes a PUT body or applies a patch to the current Scale.
func (s *Server) requestedScale(r *http.Request, verb string, pt types.PatchType, body []byte, cur *autoscalingv1.Scale) (*autoscalingv1.Scale, error) {
	if verb == "update" {
		out := &autoscalingv1.Scale{}
		if err := json.Unmarshal(body, out); err != nil {
			return nil, errBadRequest("decoding Scale: %v", err)
		}
		return out, nil
	}
	orig, _ := json.Marshal(cur)
	var patched []byte
	var err error
	switch pt {
	case types.MergePatchType:
		patched, err = jsonpatch.MergePatch(orig, body)
	case types.StrategicMergePatchType:
		patched, err = strategicpatch.StrategicMergePatch(orig, body, &autoscalingv1.Scale{})
	case types.JSONPatchType:
		var p jsonpatch.Patch
		if p, err = jsonpatch.DecodePatch(body); err == nil {
			patched, err = p.Apply(orig)
		}
	default:
		return nil, errUnsupportedMediaType(string(pt))
	}
	if err != nil {
		return nil, errBadRequest("applying patch to Scale: %v", err)
	}
	out := &autoscalingv1.Scale{}
	if err := json.Unmarshal(patched, out); err != nil {
		return nil, errBadRequest("decoding patched Scale: %v", err)
	}
	return out, nil
}
