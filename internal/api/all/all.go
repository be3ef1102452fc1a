// Package all assembles the registry of every built-in kind Rudder serves.
package all

import (
	"rudder/internal/api"
	"rudder/internal/api/apps"
	"rudder/internal/api/autoscaling"
	"rudder/internal/api/batch"
	"rudder/internal/api/coordination"
	"rudder/internal/api/core"
	"rudder/internal/api/discovery"
	"rudder/internal/api/events"
	"rudder/internal/api/networking"
	"rudder/internal/api/policy"
	"rudder/internal/api/rbac"
	"rudder/internal/api/scheduling"
	"rudder/internal/api/storage"
)

// Registry returns a registry with every built-in kind, in the order
// discovery lists groups.
func Registry() *api.Registry {
	r := api.NewRegistry()
	core.Register(r)
	apps.Register(r)
	events.Register(r)
	autoscaling.Register(r)
	batch.Register(r)
	policy.Register(r)
	networking.Register(r)
	discovery.Register(r)
	coordination.Register(r)
	rbac.Register(r)
	storage.Register(r)
	scheduling.Register(r)
	return r
}
