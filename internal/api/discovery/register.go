// Package discovery describes the discovery.k8s.io/v1 kinds.
package discovery

import (
	discoveryv1 "k8s.io/api/discovery/v1"

	"rudder/internal/api"
)

// Register adds EndpointSlice to r.
func Register(r *api.Registry) {
	r.Add(api.Def[*discoveryv1.EndpointSlice, *discoveryv1.EndpointSliceList]{
		Group: "discovery.k8s.io", Version: "v1", Kind: "EndpointSlice",
		Resource: "endpointslices", Singular: "endpointslice",
		Namespaced:       true,
		New:              func() *discoveryv1.EndpointSlice { return &discoveryv1.EndpointSlice{} },
		NewList:          func() *discoveryv1.EndpointSliceList { return &discoveryv1.EndpointSliceList{} },
		Default:          defaultEndpointSlice,
		Validate:         validateEndpointSlice,
		ValidateUpdate:   validateEndpointSliceUpdate,
		PrepareForCreate: prepareForCreate,
		PrepareForUpdate: prepareForUpdate,
		Columns:          columns,
		Row:              row,
	}.Build())
}
