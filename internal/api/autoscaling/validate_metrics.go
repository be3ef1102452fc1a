package autoscaling

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var metricSourceTypes = []string{
	string(autoscalingv2.ContainerResourceMetricSourceType), string(autoscalingv2.ExternalMetricSourceType),
	string(autoscalingv2.ObjectMetricSourceType), string(autoscalingv2.PodsMetricSourceType),
	string(autoscalingv2.ResourceMetricSourceType),
}

// validateObjectRef checks a reference to a scalable or described object:
// kind and name must be usable as URL path segments.
func validateObjectRef(ref autoscalingv2.CrossVersionObjectReference, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, f := range []struct{ name, value string }{{"kind", ref.Kind}, {"name", ref.Name}} {
		if f.value == "" {
			errs = append(errs, field.Required(p.Child(f.name), ""))
			continue
		}
		for _, msg := range path.IsValidPathSegmentName(f.value) {
			errs = append(errs, field.Invalid(p.Child(f.name), f.value, msg))
		}
	}
	return errs
}

func validateMetrics(ms []autoscalingv2.MetricSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i := range ms {
		errs = append(errs, validateMetric(&ms[i], p.Index(i))...)
	}
	return errs
}

// validateMetric: the source named by type is set, and no other.
func validateMetric(m *autoscalingv2.MetricSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	present := map[autoscalingv2.MetricSourceType]bool{
		autoscalingv2.ObjectMetricSourceType:            m.Object != nil,
		autoscalingv2.PodsMetricSourceType:              m.Pods != nil,
		autoscalingv2.ResourceMetricSourceType:          m.Resource != nil,
		autoscalingv2.ContainerResourceMetricSourceType: m.ContainerResource != nil,
		autoscalingv2.ExternalMetricSourceType:          m.External != nil,
	}
	switch {
	case m.Type == "":
		return field.ErrorList{field.Required(p.Child("type"), "must specify a metric source type")}
	case !isKnownSource(m.Type):
		return field.ErrorList{field.NotSupported(p.Child("type"), m.Type, metricSourceTypes)}
	case !present[m.Type]:
		return field.ErrorList{field.Required(p.Child(sourceField(m.Type)), "must populate information for the given metric source")}
	}
	for _, t := range metricSourceTypes {
		if st := autoscalingv2.MetricSourceType(t); st != m.Type && present[st] {
			errs = append(errs, field.Forbidden(p.Child(sourceField(st)), "must populate the given metric source only"))
		}
	}
	return append(errs, validateSource(m, p)...)
}

func isKnownSource(t autoscalingv2.MetricSourceType) bool {
	for _, k := range metricSourceTypes {
		if string(t) == k {
			return true
		}
	}
	return false
}

// sourceField is the JSON name of the field that holds a source type.
func sourceField(t autoscalingv2.MetricSourceType) string {
	s := string(t)
	return string(s[0]+'a'-'A') + s[1:]
}

func validateSource(m *autoscalingv2.MetricSpec, p *field.Path) field.ErrorList {
	switch m.Type {
	case autoscalingv2.ObjectMetricSourceType:
		sp := p.Child("object")
		errs := validateObjectRef(m.Object.DescribedObject, sp.Child("describedObject"))
		errs = append(errs, validateMetricIdentifier(m.Object.Metric, sp.Child("metric"))...)
		errs = append(errs, validateMetricTarget(m.Object.Target, sp.Child("target"))...)
		return append(errs, requireValueOrAverage(m.Object.Target, sp.Child("target"))...)
	case autoscalingv2.PodsMetricSourceType:
		sp := p.Child("pods")
		errs := validateMetricIdentifier(m.Pods.Metric, sp.Child("metric"))
		errs = append(errs, validateMetricTarget(m.Pods.Target, sp.Child("target"))...)
		if m.Pods.Target.AverageValue == nil {
			errs = append(errs, field.Required(sp.Child("target", "averageValue"), "must specify a positive target averageValue"))
		}
		return errs
	case autoscalingv2.ExternalMetricSourceType:
		sp := p.Child("external")
		errs := validateMetricIdentifier(m.External.Metric, sp.Child("metric"))
		errs = append(errs, validateMetricTarget(m.External.Target, sp.Child("target"))...)
		return append(errs, requireValueOrAverage(m.External.Target, sp.Child("target"))...)
	case autoscalingv2.ResourceMetricSourceType:
		return validateResourceTarget(string(m.Resource.Name), m.Resource.Target, p.Child("resource"))
	case autoscalingv2.ContainerResourceMetricSourceType:
		sp := p.Child("containerResource")
		errs := validateResourceTarget(string(m.ContainerResource.Name), m.ContainerResource.Target, sp)
		if m.ContainerResource.Container == "" {
			return append(errs, field.Required(sp.Child("container"), "must populate container name"))
		}
		for _, msg := range validation.IsDNS1123Label(m.ContainerResource.Container) {
			errs = append(errs, field.Invalid(sp.Child("container"), m.ContainerResource.Container, msg))
		}
		return errs
	}
	return nil
}

func validateMetricIdentifier(id autoscalingv2.MetricIdentifier, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if id.Name == "" {
		errs = append(errs, field.Required(p.Child("name"), "must specify a metric name"))
	} else {
		for _, msg := range path.IsValidPathSegmentName(id.Name) {
			errs = append(errs, field.Invalid(p.Child("name"), id.Name, msg))
		}
	}
	if id.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(id.Selector,
			metav1validation.LabelSelectorValidationOptions{}, p.Child("selector"))...)
	}
	return errs
}

func validateMetricTarget(t autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch t.Type {
	case "":
		errs = append(errs, field.Required(p.Child("type"), "must specify a metric target type"))
	case autoscalingv2.UtilizationMetricType, autoscalingv2.ValueMetricType, autoscalingv2.AverageValueMetricType:
	default:
		errs = append(errs, field.Invalid(p.Child("type"), t.Type, "must be either Utilization, Value, or AverageValue"))
	}
	if t.Value != nil && t.Value.Sign() != 1 {
		errs = append(errs, field.Invalid(p.Child("value"), t.Value.String(), "must be positive"))
	}
	if t.AverageValue != nil && t.AverageValue.Sign() != 1 {
		errs = append(errs, field.Invalid(p.Child("averageValue"), t.AverageValue.String(), "must be positive"))
	}
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		errs = append(errs, field.Invalid(p.Child("averageUtilization"), *t.AverageUtilization, "must be greater than 0"))
	}
	return errs
}

func requireValueOrAverage(t autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	if t.Value == nil && t.AverageValue == nil {
		return field.ErrorList{field.Required(p.Child("averageValue"), "must set either a target value or averageValue")}
	}
	return nil
}

// validateResourceTarget: a resource metric targets a utilization or an
// average value, exactly one.
func validateResourceTarget(name string, t autoscalingv2.MetricTarget, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), "must specify a resource name"))
	}
	tp := p.Child("target")
	errs = append(errs, validateMetricTarget(t, tp)...)
	switch {
	case t.AverageUtilization == nil && t.AverageValue == nil:
		errs = append(errs, field.Required(tp.Child("averageUtilization"), "must set either a target raw value or a target utilization"))
	case t.AverageUtilization != nil && t.AverageValue != nil:
		errs = append(errs, field.Forbidden(tp.Child("averageValue"), "may not set both a target raw value and a target utilization"))
	}
	return errs
}
