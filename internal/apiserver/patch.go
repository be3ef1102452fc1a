package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"
)

func (s *Server) handlePatch(w http.ResponseWriter, r *http.Request, res *resource, info requestInfo, sub string) {
	var opts metav1.PatchOptions
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
	manager := managerName(opts.FieldManager, r)
	force := opts.Force != nil && *opts.Force
	var transform transformFunc
	switch pt {
	case types.JSONPatchType, types.MergePatchType, types.StrategicMergePatchType:
		transform = s.jsonPatcher(w, res, sub, pt, body, opts.FieldValidation)
	case types.ApplyYAMLPatchType, types.ApplyCBORPatchType:
		if opts.FieldManager == "" {
			s.writeError(w, r, errBadRequest("PATCH requests with apply content type must have fieldManager"))
			return
		}
		transform = s.applyPatcher(res, sub, body, manager, force, opts.FieldValidation)
	default:
		s.writeError(w, r, errUnsupportedMediaType(string(pt)))
		return
	}
	dry := isDryRun(opts.DryRun)
	applied := pt == types.ApplyYAMLPatchType || pt == types.ApplyCBORPatchType
	out, err := s.update(r.Context(), res, updateReq{ns: info.Namespace, name: info.Name, sub: sub, dryRun: dry, manager: manager, applied: applied, builds: !applied}, transform)
	if apierrors.IsNotFound(err) && (pt == types.ApplyYAMLPatchType) && sub == "" {
		out, err = s.applyCreate(r.Context(), res, info, transform, dry, manager)
		if err == nil {
			s.writeObject(w, r, http.StatusCreated, res, out)
			return
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeObject(w, r, http.StatusOK, res, out)
}

func mediaTypeOnly(ct string) string {
	for i, c := range ct {
		if c == ';' {
			return ct[:i]
		}
	}
	return ct
}

// jsonPatcher applies a JSON, merge or strategic merge patch to the
// current object's JSON and decodes the result, honouring fieldValidation.
func (s *Server) jsonPatcher(w http.ResponseWriter, res *resource, sub string, pt types.PatchType, patch []byte, validation string) transformFunc {
	return func(cur runtime.Object) (runtime.Object, error) {
		cur.GetObjectKind().SetGroupVersionKind(res.kind.GVK)
		base := cur
		if sub == "status" && pt != types.JSONPatchType && res.hasStatus {
			base = statusView(res, cur)
		}
		orig, err := json.Marshal(base)
		if err != nil {
			return nil, fmt.Errorf("encoding current object: %w", err)
		}
		var patched []byte
		switch pt {
		case types.JSONPatchType:
			p, err := jsonpatch.DecodePatch(patch)
			if err != nil {
				return nil, errBadRequest("error decoding patch: %v", err)
			}
			if patched, err = p.Apply(orig); err != nil {
				return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "", res.gr, metaOf(cur).GetName(), err.Error(), 0, false)
			}
		case types.MergePatchType:
			if patched, err = jsonpatch.MergePatch(orig, patch); err != nil {
				return nil, errBadRequest("error applying merge patch: %v", err)
			}
		case types.StrategicMergePatchType:
			if patched, err = strategicpatch.StrategicMergePatch(orig, patch, res.kind.New()); err != nil {
				return nil, errBadRequest("error applying strategic merge patch: %v", err)
			}
		}
		info, _ := runtime.SerializerInfoForMediaType(s.codecs.SupportedMediaTypes(), mediaJSON)
		return s.decodeWith(w, info, res, patched, validation)
	}
}

// statusView is what a merge patch of the status subresource is applied
// to: the object's identity, preconditions and status. Whatever else such
// a patch changes is dropped afterwards anyway, and encoding and decoding
// a pod's spec on every kubelet status write was most of that write's
// cost. (A JSON patch may test or address any path, so it gets the whole
// object.)
func statusView(res *resource, cur runtime.Object) runtime.Object {
	out := res.kind.New()
	out.GetObjectKind().SetGroupVersionKind(res.kind.GVK)
	cm, m := metaOf(cur), metaOf(out)
	m.SetNamespace(cm.GetNamespace())
	m.SetName(cm.GetName())
	m.SetUID(cm.GetUID())
	m.SetResourceVersion(cm.GetResourceVersion())
	copyField(out, cur, "Status")
	return out
}

// applyPatcher merges a server-side apply configuration with the field
// manager; conflicts come back as 409s.
func (s *Server) applyPatcher(res *resource, sub string, patch []byte, manager string, force bool, validation string) transformFunc {
	return func(cur runtime.Object) (runtime.Object, error) {
		applied, err := decodeApply(patch, res)
		if err != nil {
			return nil, err
		}
		fm := res.fieldManagers[sub]
		if fm == nil {
			return nil, errBadRequest("server-side apply is not supported for %s", res.gr)
		}
		cur.GetObjectKind().SetGroupVersionKind(res.kind.GVK)
		out, err := fm.Apply(cur, applied, manager, force)
		if err != nil {
			return nil, err
		}
		// The generic update will track fields again; Apply already did.
		return out, nil
	}
}

func decodeApply(patch []byte, res *resource) (*unstructured.Unstructured, error) {
	m := map[string]any{}
	if err := yaml.Unmarshal(patch, &m); err != nil {
		return nil, errBadRequest("error decoding YAML: %v", err)
	}
	u := &unstructured.Unstructured{Object: m}
	if u.GetAPIVersion() != res.kind.GVK.GroupVersion().String() || u.GetKind() != res.kind.GVK.Kind {
		return nil, errBadRequest("the API version in the data (%s) does not match the expected API version (%s)", u.GetAPIVersion(), res.kind.GVK.GroupVersion())
	}
	return u, nil
}

// applyCreate creates an object from an apply patch to a missing object.
func (s *Server) applyCreate(ctx context.Context, res *resource, info requestInfo, transform transformFunc, dryRun bool, manager string) (runtime.Object, error) {
	live := res.kind.New()
	m := metaOf(live)
	m.SetName(info.Name)
	m.SetNamespace(info.Namespace)
	obj, err := transform(live)
	if err != nil {
		return nil, err
	}
	if err := setRequestNamespace(res, obj, info.Namespace); err != nil {
		return nil, err
	}
	// The apply already recorded managed fields; create must keep them.
	return s.create(ctx, res, obj, dryRun, manager, true)
}
