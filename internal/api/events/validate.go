package events

import (
	"fmt"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Length limits on event strings, as Kubernetes sets them.
const (
	reportingInstanceLimit = 128
	actionLimit            = 128
	reasonLimit            = 128
	noteLimit              = 1024
)

// validateEvent is the validation of a create through events.k8s.io: the
// legacy rules every event obeys, then the stricter ones of the new API
// (eventTime required, deprecated fields unset).
func validateEvent(e *eventsv1.Event) field.ErrorList {
	allErrs := validateLegacy(e)
	allErrs = append(allErrs, apimachineryvalidation.ValidateObjectMetaAccessor(e, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))...)
	allErrs = append(allErrs, validateSeries(e.Series)...)
	if e.EventTime.IsZero() {
		allErrs = append(allErrs, field.Required(field.NewPath("eventTime"), ""))
	}
	if e.Type != corev1.EventTypeNormal && e.Type != corev1.EventTypeWarning {
		allErrs = append(allErrs, field.Invalid(field.NewPath("type"), "", fmt.Sprintf("has invalid value: %v", e.Type)))
	}
	return append(allErrs, validateDeprecatedUnset(e)...)
}

func validateDeprecatedUnset(e *eventsv1.Event) field.ErrorList {
	var allErrs field.ErrorList
	unset := func(name string) {
		allErrs = append(allErrs, field.Invalid(field.NewPath(name), "", "needs to be unset"))
	}
	if !e.DeprecatedFirstTimestamp.IsZero() {
		unset("deprecatedFirstTimestamp")
	}
	if !e.DeprecatedLastTimestamp.IsZero() {
		unset("deprecatedLastTimestamp")
	}
	if e.DeprecatedCount != 0 {
		unset("deprecatedCount")
	}
	if e.DeprecatedSource.Component != "" || e.DeprecatedSource.Host != "" {
		unset("deprecatedSource")
	}
	return allErrs
}

// validateEventUpdate: an event describes something that happened, so all
// but its series (and metadata) is fixed once written. Field paths use the
// core names, as Kubernetes reports them.
func validateEventUpdate(e, old *eventsv1.Event) field.ErrorList {
	allErrs := validateLegacy(e)
	allErrs = append(allErrs, apimachineryvalidation.ValidateObjectMetaAccessorUpdate(e, old, field.NewPath("metadata"))...)
	if !reflect.DeepEqual(e.Series, old.Series) {
		allErrs = append(allErrs, validateSeries(e.Series)...)
	}
	immutable := []struct {
		path     string
		new, old any
	}{
		{"involvedObject", e.Regarding, old.Regarding},
		{"reason", e.Reason, old.Reason},
		{"message", e.Note, old.Note},
		{"source", e.DeprecatedSource, old.DeprecatedSource},
		{"firstTimestamp", e.DeprecatedFirstTimestamp, old.DeprecatedFirstTimestamp},
		{"lastTimestamp", e.DeprecatedLastTimestamp, old.DeprecatedLastTimestamp},
		{"count", e.DeprecatedCount, old.DeprecatedCount},
		{"type", e.Type, old.Type},
		{"action", e.Action, old.Action},
		{"related", e.Related, old.Related},
		{"reportingController", e.ReportingController, old.ReportingController},
		{"reportingInstance", e.ReportingInstance, old.ReportingInstance},
	}
	for _, f := range immutable {
		allErrs = append(allErrs, apimachineryvalidation.ValidateImmutableField(f.new, f.old, field.NewPath(f.path))...)
	}
	// Tolerate sub-microsecond differences: clients correctly truncate
	// eventTime to microseconds when they serialise it.
	if !e.EventTime.Truncate(time.Microsecond).Equal(old.EventTime.Truncate(time.Microsecond)) {
		allErrs = append(allErrs, apimachineryvalidation.ValidateImmutableField(e.EventTime, old.EventTime, field.NewPath("eventTime"))...)
	}
	return allErrs
}

func validateSeries(s *eventsv1.EventSeries) field.ErrorList {
	if s == nil {
		return nil
	}
	var allErrs field.ErrorList
	if s.Count < 2 {
		allErrs = append(allErrs, field.Invalid(field.NewPath("series.count"), "", "should be at least 2"))
	}
	if s.LastObservedTime.IsZero() {
		allErrs = append(allErrs, field.Required(field.NewPath("series.lastObservedTime"), ""))
	}
	return allErrs
}

// validateLegacy holds the rules every event obeys whatever API wrote it.
func validateLegacy(e *eventsv1.Event) field.ErrorList {
	var allErrs field.ErrorList
	nsPath := field.NewPath("involvedObject", "namespace")
	if !namespaceMatches(e) {
		allErrs = append(allErrs, field.Invalid(nsPath, e.Regarding.Namespace, "does not match event.namespace"))
	}
	if !e.EventTime.IsZero() {
		allErrs = append(allErrs, validateReporting(e)...)
	}
	for _, msg := range validation.IsDNS1123Subdomain(e.Namespace) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("namespace"), e.Namespace, msg))
	}
	return allErrs
}

// namespaceMatches says whether the event lives where its object does. An
// old-style event (no eventTime) about a cluster-scoped object may live in
// "default" (old clients) or nowhere; a new-style one in "default" or
// "kube-system". Only old-style events must match a namespaced object's
// namespace.
func namespaceMatches(e *eventsv1.Event) bool {
	switch {
	case e.EventTime.IsZero() && e.Regarding.Namespace == "":
		return e.Namespace == metav1.NamespaceNone || e.Namespace == metav1.NamespaceDefault
	case e.EventTime.IsZero():
		return e.Namespace == e.Regarding.Namespace
	case e.Regarding.Namespace == "":
		return e.Namespace == metav1.NamespaceDefault || e.Namespace == metav1.NamespaceSystem
	default:
		return true
	}
}

// validateReporting checks what new-style events must say about who
// reported them and what happened.
func validateReporting(e *eventsv1.Event) field.ErrorList {
	var allErrs field.ErrorList
	ctrlPath := field.NewPath("reportingController")
	if e.ReportingController == "" {
		allErrs = append(allErrs, field.Required(ctrlPath, ""))
	}
	for _, msg := range validation.IsQualifiedName(e.ReportingController) {
		allErrs = append(allErrs, field.Invalid(ctrlPath, e.ReportingController, msg))
	}
	allErrs = append(allErrs, requiredWithLimit(e.ReportingInstance, "reportingInstance", reportingInstanceLimit)...)
	allErrs = append(allErrs, requiredWithLimit(e.Action, "action", actionLimit)...)
	allErrs = append(allErrs, requiredWithLimit(e.Reason, "reason", reasonLimit)...)
	if len(e.Note) > noteLimit {
		allErrs = append(allErrs, field.Invalid(field.NewPath("note"), "", fmt.Sprintf("can have at most %v characters", noteLimit)))
	}
	return allErrs
}

func requiredWithLimit(value, name string, limit int) field.ErrorList {
	p := field.NewPath(name)
	if value == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if len(value) > limit {
		return field.ErrorList{field.Invalid(p, "", fmt.Sprintf("can have at most %v characters", limit))}
	}
	return nil
}
