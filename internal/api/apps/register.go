// Package apps describes the apps/v1 kinds: Deployment, ReplicaSet,
// StatefulSet, DaemonSet and ControllerRevision.
package apps

import "rudder/internal/api"

// Register adds the apps/v1 kinds to r.
func Register(r *api.Registry) {
	r.Add(deploymentKind())
	r.Add(replicaSetKind())
	r.Add(statefulSetKind())
	r.Add(daemonSetKind())
	r.Add(controllerRevisionKind())
}
