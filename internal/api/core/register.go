// Package core describes the core/v1 kinds ("" group) for the API server:
// defaulting, validation, strategies, table columns and field selectors.
package core

import "rudder/internal/api"

// Register adds every core/v1 kind to r.
func Register(r *api.Registry) {
	for _, k := range []*api.Kind{
		namespaceKind(),
		podKind(),
		serviceKind(),
		endpointsKind(),
		configMapKind(),
		secretKind(),
		nodeKind(),
		eventKind(),
		serviceAccountKind(),
		persistentVolumeKind(),
		persistentVolumeClaimKind(),
		resourceQuotaKind(),
		limitRangeKind(),
		replicationControllerKind(),
		podTemplateKind(),
	} {
		r.Add(k)
	}
}
