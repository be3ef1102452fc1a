package apps

import (
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api/podspec"
)

// nameColumn is the first column of every table.
var nameColumn = metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name",
	Description: "Name must be unique within a namespace."}

var ageColumn = metav1.TableColumnDefinition{Name: "Age", Type: "string",
	Description: "CreationTimestamp is a timestamp representing the server time when this object was created."}

// wideContainerColumns are the CONTAINERS and IMAGES columns of -o wide.
var wideContainerColumns = []metav1.TableColumnDefinition{
	{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."},
	{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."},
}

var selectorColumn = metav1.TableColumnDefinition{Name: "Selector", Type: "string", Priority: 1,
	Description: "A label query over pods that should match the replica count."}

// age renders a creation timestamp the way kubectl does; unknown is <unknown>.
func age(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}

// containerCells joins container names and images for the wide columns.
func containerCells(cs []corev1.Container) (names, images string) {
	n := make([]string, 0, len(cs))
	im := make([]string, 0, len(cs))
	for _, c := range cs {
		n = append(n, c.Name)
		im = append(im, c.Image)
	}
	return strings.Join(n, ","), strings.Join(im, ",")
}

// selectorString renders a selector as kubectl's wide output does for
// deployments (the labels.Selector form, empty for nil).
func selectorString(s *metav1.LabelSelector) string {
	sel, err := metav1.LabelSelectorAsSelector(s)
	if err != nil {
		return "<invalid>"
	}
	return sel.String()
}

func deref32(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// nonNegative32 checks an optional int32 field.
func nonNegative32(p *int32, path *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	return apivalidation.ValidateNonnegativeField(int64(*p), path)
}

// validateSelector checks a required workload selector: present, well
// formed and not empty. kindName goes into Kubernetes' message for the
// empty case.
func validateSelector(s *metav1.LabelSelector, kindName string, path *field.Path) field.ErrorList {
	if s == nil {
		return field.ErrorList{field.Required(path, "")}
	}
	errs := metav1validation.ValidateLabelSelector(s, metav1validation.LabelSelectorValidationOptions{}, path)
	if len(s.MatchLabels)+len(s.MatchExpressions) == 0 {
		errs = append(errs, field.Invalid(path, s, "empty selector is invalid for "+kindName))
	}
	return errs
}

// validateWorkloadTemplate checks the pod template of a controller whose
// pods run forever: labels matched by the selector, the generic pod
// template rules, restartPolicy Always and no activeDeadlineSeconds.
func validateWorkloadTemplate(t *corev1.PodTemplateSpec, s *metav1.LabelSelector, kindName string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if sel, err := metav1.LabelSelectorAsSelector(s); err == nil && s != nil && !sel.Empty() {
		if !sel.Matches(labels.Set(t.Labels)) {
			errs = append(errs, field.Invalid(path.Child("metadata", "labels"), t.Labels, "`selector` does not match template `labels`"))
		}
	}
	errs = append(errs, podspec.ValidatePodTemplateSpec(t, path)...)
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(path.Child("spec", "restartPolicy"), t.Spec.RestartPolicy,
			[]string{string(corev1.RestartPolicyAlways)}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(path.Child("spec", "activeDeadlineSeconds"),
			"activeDeadlineSeconds in "+kindName+" is not Supported"))
	}
	return errs
}

// validateIntOrPercent checks a non-negative integer or a "N%" string.
func validateIntOrPercent(v *intstr.IntOrString, path *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	switch v.Type {
	case intstr.String:
		var errs field.ErrorList
		for _, msg := range validation.IsValidPercent(v.StrVal) {
			errs = append(errs, field.Invalid(path, v, msg))
		}
		if len(errs) == 0 {
			errs = apivalidation.ValidateNonnegativeField(int64(percentValue(v)), path)
		}
		return errs
	case intstr.Int:
		return apivalidation.ValidateNonnegativeField(int64(v.IntValue()), path)
	}
	return field.ErrorList{field.Invalid(path, v, "must be an integer or percentage (e.g '5%')")}
}

// notMoreThan100Percent refuses percentages above 100%.
func notMoreThan100Percent(v *intstr.IntOrString, path *field.Path) field.ErrorList {
	if v == nil || v.Type != intstr.String || percentValue(v) <= 100 {
		return nil
	}
	return field.ErrorList{field.Invalid(path, v, "must not be greater than 100%")}
}

// percentValue is the number in "N%" (or -1 when it is not one).
func percentValue(v *intstr.IntOrString) int {
	n, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
	if err != nil || !strings.HasSuffix(v.StrVal, "%") {
		return -1
	}
	return n
}

// intOrPercentValue is the number in an int or "N%" value, nil counting as 0;
// used only to tell zero from non-zero.
func intOrPercentValue(v *intstr.IntOrString) int {
	if v == nil {
		return 0
	}
	if v.Type == intstr.Int {
		return v.IntValue()
	}
	return percentValue(v)
}

// immutable is ValidateImmutableField under a shorter name.
func immutable(newVal, oldVal any, path *field.Path) field.ErrorList {
	return apivalidation.ValidateImmutableField(newVal, oldVal, path)
}

// count is a named status counter, for nonNegativeCounts.
type count struct {
	name  string
	value int32
}

// nonNegativeCounts checks status counters in a stable order.
func nonNegativeCounts(path *field.Path, cs []count) field.ErrorList {
	var errs field.ErrorList
	for _, c := range cs {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(c.value), path.Child(c.name))...)
	}
	return errs
}
