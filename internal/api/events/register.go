// Package events describes the events.k8s.io/v1 Event, served from the
// storage of core/v1 events.
package events

import (
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"rudder/internal/api"
)

// Register adds the events.k8s.io/v1 Event to r.
func Register(r *api.Registry) {
	r.Add(api.Def[*eventsv1.Event, *eventsv1.EventList]{
		Group: eventsv1.GroupName, Version: "v1", Kind: "Event",
		Resource: "events", Singular: "event",
		Namespaced:         true,
		ShortNames:         []string{"ev"},
		KeepStatusOnCreate: true,
		New:                func() *eventsv1.Event { return &eventsv1.Event{} },
		NewList:            func() *eventsv1.EventList { return &eventsv1.EventList{} },
		Validate:           validateEvent,
		ValidateUpdate:     validateEventUpdate,
		Columns:            columns,
		Row:                row,
		Fields:             selectableFields,
		StoredAs:           &schema.GroupVersionResource{Version: "v1", Resource: "events"},
		ToStored:           func(e *eventsv1.Event) (runtime.Object, error) { return ToCore(e), nil },
		FromStored:         fromStored,
	}.Build())
}
