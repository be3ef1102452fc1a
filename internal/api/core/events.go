package core

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func eventKind() *api.Kind {
	return api.Def[*corev1.Event, *corev1.EventList]{
		Version: coreVersion, Kind: "Event",
		Resource: "events", Singular: "event", Namespaced: true,
		ShortNames:         []string{"ev"},
		KeepStatusOnCreate: true,
		New:                func() *corev1.Event { return &corev1.Event{} },
		NewList:            func() *corev1.EventList { return &corev1.EventList{} },
		Validate:           validateEvent,
		ValidateUpdate: func(e, old *corev1.Event) field.ErrorList {
			return append(validateMetaUpdate(e, old), validateEvent(e)...)
		},
		Columns: eventColumns,
		Row:     eventRow,
		Fields:  eventFields,
	}.Build()
}

// validateEvent follows Kubernetes' rules for core/v1 events, which are
// loose for old clients: the event lives in its object's namespace, or in
// "default" for cluster-scoped objects.
func validateEvent(e *corev1.Event) field.ErrorList {
	errs := validateMeta(e, true, apivalidation.NameIsDNSSubdomain)
	p := field.NewPath("involvedObject", "namespace")
	ns := e.InvolvedObject.Namespace
	switch {
	case ns == "" && e.Namespace != metav1.NamespaceNone && e.Namespace != metav1.NamespaceDefault:
		errs = append(errs, field.Invalid(p, ns, "does not match event.namespace"))
	case ns != "" && e.Namespace != ns:
		errs = append(errs, field.Invalid(p, ns, "does not match event.namespace"))
	}
	return errs
}

func eventFields(e *corev1.Event) fields.Set {
	source := e.Source.Component
	if source == "" {
		source = e.ReportingController
	}
	o := e.InvolvedObject
	return fields.Set{
		"involvedObject.kind":            o.Kind,
		"involvedObject.namespace":       o.Namespace,
		"involvedObject.name":            o.Name,
		"involvedObject.uid":             string(o.UID),
		"involvedObject.apiVersion":      o.APIVersion,
		"involvedObject.resourceVersion": o.ResourceVersion,
		"involvedObject.fieldPath":       o.FieldPath,
		"reason":                         e.Reason,
		"reportingComponent":             e.ReportingController,
		"source":                         source,
		"type":                           e.Type,
	}
}

// eventColumns are kubectl's: the event's own name comes last and only in
// wide output, so the first column is LAST SEEN.
var eventColumns = []metav1.TableColumnDefinition{
	{Name: "Last Seen", Type: "string", Description: "Time when last event occurred."},
	{Name: "Type", Type: "string", Description: "Type of this event (Normal, Warning), new types could be added in the future."},
	{Name: "Reason", Type: "string", Description: "This should be a short, machine understandable string that gives the reason for this event being generated."},
	{Name: "Object", Type: "string", Description: "The object this Event is about."},
	{Name: "Subobject", Type: "string", Priority: 1, Description: "If the object reference is to a part of an object rather than an entire object, this string should contain a valid JSON/Go field access statement."},
	{Name: "Source", Type: "string", Priority: 1, Description: "The component reporting this event. Should be a short machine understandable string."},
	{Name: "Message", Type: "string", Description: "A human-readable description of the status of this operation."},
	{Name: "First Seen", Type: "string", Priority: 1, Description: "The time at which the event was first recorded."},
	{Name: "Count", Type: "string", Priority: 1, Description: "The number of times this event has occurred."},
	{Name: "Name", Type: "string", Format: "name", Priority: 1, Description: nameColumn.Description},
}

func eventRow(e *corev1.Event) []any {
	first := since(e.FirstTimestamp)
	if e.FirstTimestamp.IsZero() {
		first = sinceMicro(e.EventTime)
	}
	last := since(e.LastTimestamp)
	if e.LastTimestamp.IsZero() {
		last = first
	}
	count := e.Count
	switch {
	case e.Series != nil:
		last = sinceMicro(e.Series.LastObservedTime)
		count = e.Series.Count
	case count == 0:
		count = 1 // events of the new API that happened once carry no count
	}
	target := strings.ToLower(e.InvolvedObject.Kind)
	if e.InvolvedObject.Name != "" {
		target += "/" + e.InvolvedObject.Name
	}
	return []any{
		last, e.Type, e.Reason, target, e.InvolvedObject.FieldPath, eventSource(e),
		strings.TrimSpace(e.Message), first, int64(count), e.Name,
	}
}

func sinceMicro(t metav1.MicroTime) string {
	return since(metav1.NewTime(t.Time))
}

// eventSource is "component, host", falling back to the reporting
// controller and instance of new-API events.
func eventSource(e *corev1.Event) string {
	component, host := e.Source.Component, e.Source.Host
	if component == "" {
		component, host = e.ReportingController, e.ReportingInstance
	}
	if host == "" {
		return component
	}
	return fmt.Sprintf("%s, %s", component, host)
}
