// Package autoscaling describes HorizontalPodAutoscaler in autoscaling/v2
// (the stored form) and autoscaling/v1 (converted to and from v2).
package autoscaling

import "rudder/internal/api"

// Register adds the autoscaling kinds to r, v2 first since v1 is stored
// through it.
func Register(r *api.Registry) {
	r.Add(hpaV2Kind())
	r.Add(hpaV1Kind())
}
