package podspec

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validateResources(r *corev1.ResourceRequirements, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	lp, rp := p.Child("limits"), p.Child("requests")
	for name, q := range r.Limits {
		errs = append(errs, validateResourceEntry(name, q, lp.Key(string(name)))...)
	}
	for name, q := range r.Requests {
		kp := rp.Key(string(name))
		errs = append(errs, validateResourceEntry(name, q, kp)...)
		limit, hasLimit := r.Limits[name]
		switch {
		case hasLimit && !isOvercommitable(name) && q.Cmp(limit) != 0:
			errs = append(errs, field.Invalid(kp, q.String(), fmt.Sprintf("must be equal to %s limit of %s", name, limit.String())))
		case hasLimit && q.Cmp(limit) > 0:
			errs = append(errs, field.Invalid(kp, q.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", name, limit.String())))
		case !hasLimit && !isOvercommitable(name):
			errs = append(errs, field.Required(lp, "Limit must be set for non overcommitable resources"))
		}
	}
	return errs
}

func validateResourceEntry(name corev1.ResourceName, q resource.Quantity, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateContainerResourceName(string(name), p)...)
	if q.Sign() < 0 {
		errs = append(errs, field.Invalid(p, q.String(), "must be greater than or equal to 0"))
	}
	if !isNativeResource(string(name)) && q.MilliValue()%1000 != 0 {
		errs = append(errs, field.Invalid(p, q.String(), "must be an integer"))
	}
	return errs
}

var standardContainerResources = map[string]bool{"cpu": true, "memory": true, "ephemeral-storage": true}

// validateContainerResourceName accepts cpu, memory, ephemeral-storage,
// hugepages-<size> and extended resources named like example.com/gpu.
func validateContainerResourceName(name string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	if len(errs) > 0 {
		return errs
	}
	switch {
	case standardContainerResources[name], strings.HasPrefix(name, corev1.ResourceHugePagesPrefix):
		return nil
	case isNativeResource(name):
		return field.ErrorList{field.Invalid(p, name, "must be a standard resource for containers")}
	}
	return nil
}

// isNativeResource: names without a domain, or in kubernetes.io, belong to
// Kubernetes; everything else is an extended resource.
func isNativeResource(name string) bool {
	return !strings.Contains(name, "/") || strings.Contains(name, corev1.ResourceDefaultNamespacePrefix)
}

// isOvercommitable: extended resources and huge pages must be requested
// exactly as limited, since the node cannot share them.
func isOvercommitable(name corev1.ResourceName) bool {
	return isNativeResource(string(name)) && !strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix)
}
