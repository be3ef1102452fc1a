package server

import (
	"fmt"
	"net/http"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/api"
	"rudder/internal/apiserver"
	"rudder/internal/apiserver/openapi"
)

// openAPIHandler generates the OpenAPI documents from the registry's Go
// types and serves them.
func openAPIHandler(reg *api.Registry) (http.Handler, error) {
	scheme := apiserver.NewScheme()
	var rs []openapi.Resource
	for _, k := range reg.Kinds() {
		r := openapi.Resource{
			GVK: k.GVK, ListGVK: k.GVK.GroupVersion().WithKind(k.GVK.Kind + "List"),
			Resource: k.Resource, Namespaced: k.Namespaced, Object: k.New(), List: k.NewList(),
		}
		for _, sub := range k.Subresources {
			r.Subresources = append(r.Subresources, subresourceDoc(scheme, k, sub))
		}
		rs = append(rs, r)
	}
	spec, err := openapi.Build(rs)
	if err != nil {
		return nil, fmt.Errorf("building OpenAPI: %w", err)
	}
	return spec.Handler(), nil
}

func subresourceDoc(scheme *runtime.Scheme, k *api.Kind, sub string) openapi.Subresource {
	switch sub {
	case "status", "finalize", "ephemeralcontainers":
		return openapi.Subresource{Name: sub, GVK: k.GVK, Object: k.New()}
	case "scale":
		return openapi.Subresource{Name: sub, GVK: autoscalingv1.SchemeGroupVersion.WithKind("Scale"), Object: &autoscalingv1.Scale{}}
	}
	gvk := apiserver.SubresourceKind(sub)
	if gvk.Kind == "" {
		return openapi.Subresource{Name: sub}
	}
	if obj, err := scheme.New(gvk); err == nil && sub != "log" {
		return openapi.Subresource{Name: sub, GVK: gvk, Object: obj}
	}
	return openapi.Subresource{Name: sub, GVK: gvk}
}
