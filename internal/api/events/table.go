package events

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/duration"
)

var (
	eventDoc = corev1.Event{}.SwaggerDoc()
	// The columns of core events, which Kubernetes also prints for
	// events.k8s.io: LAST SEEN first, NAME only in the wide output.
	columns = []metav1.TableColumnDefinition{
		{Name: "Last Seen", Type: "string", Description: eventDoc["lastTimestamp"]},
		{Name: "Type", Type: "string", Description: eventDoc["type"]},
		{Name: "Reason", Type: "string", Description: eventDoc["reason"]},
		{Name: "Object", Type: "string", Description: eventDoc["involvedObject"]},
		{Name: "Subobject", Type: "string", Priority: 1, Description: corev1.ObjectReference{}.SwaggerDoc()["fieldPath"]},
		{Name: "Source", Type: "string", Priority: 1, Description: eventDoc["source"]},
		{Name: "Message", Type: "string", Description: eventDoc["message"]},
		{Name: "First Seen", Type: "string", Priority: 1, Description: eventDoc["firstTimestamp"]},
		{Name: "Count", Type: "string", Priority: 1, Description: eventDoc["count"]},
		{Name: "Name", Type: "string", Priority: 1, Format: "name", Description: metav1.ObjectMeta{}.SwaggerDoc()["name"]},
	}
)

// row prints the event as kubectl prints core events: new-style events
// (eventTime, series) fall back to the legacy timestamps and count.
func row(e *eventsv1.Event) []any {
	first := since(e.DeprecatedFirstTimestamp.Time)
	if e.DeprecatedFirstTimestamp.IsZero() {
		first = since(e.EventTime.Time)
	}
	last := since(e.DeprecatedLastTimestamp.Time)
	if e.DeprecatedLastTimestamp.IsZero() {
		last = first
	}
	count := e.DeprecatedCount
	if e.Series != nil {
		last = since(e.Series.LastObservedTime.Time)
		count = e.Series.Count
	} else if count == 0 {
		count = 1 // a singleton event of the new API carries no count
	}
	target := strings.ToLower(e.Regarding.Kind)
	if e.Regarding.Name != "" {
		target = fmt.Sprintf("%s/%s", target, e.Regarding.Name)
	}
	return []any{
		last, e.Type, e.Reason, target, e.Regarding.FieldPath,
		formatSource(e), strings.TrimSpace(e.Note), first, int64(count), e.Name,
	}
}

// formatSource is "component, host", falling back to the reporting
// controller and instance when the legacy source is empty.
func formatSource(e *eventsv1.Event) string {
	component := firstNonEmpty(e.DeprecatedSource.Component, e.ReportingController)
	instance := firstNonEmpty(e.DeprecatedSource.Host, e.ReportingInstance)
	if instance == "" {
		return component
	}
	return component + ", " + instance
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func since(t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t))
}

// selectableFields are the field-selector fields of events.k8s.io, named
// as that API names them (Kubernetes maps them to the core names).
func selectableFields(e *eventsv1.Event) fields.Set {
	return fields.Set{
		"reason":                    e.Reason,
		"regarding.kind":            e.Regarding.Kind,
		"regarding.namespace":       e.Regarding.Namespace,
		"regarding.name":            e.Regarding.Name,
		"regarding.uid":             string(e.Regarding.UID),
		"regarding.apiVersion":      e.Regarding.APIVersion,
		"regarding.resourceVersion": e.Regarding.ResourceVersion,
		"regarding.fieldPath":       e.Regarding.FieldPath,
		"reportingController":       e.ReportingController,
		"type":                      e.Type,
	}
}
