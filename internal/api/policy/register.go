// Package policy describes the policy/v1 kinds: PodDisruptionBudget.
// (Evictions are a subresource of pods, served by the core group.)
package policy

import "rudder/internal/api"

// Register adds the policy/v1 kinds to r.
func Register(r *api.Registry) {
	r.Add(pdbKind())
}
