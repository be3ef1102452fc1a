package podspec

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validEnvFieldPaths are the pod fields an env var may read through the
// downward API.
var validEnvFieldPaths = []string{
	"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid",
	"spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs",
	"status.podIP", "status.podIPs",
}

var validResourceFieldRefs = sets.New(
	"limits.cpu", "limits.memory", "limits.ephemeral-storage",
	"requests.cpu", "requests.memory", "requests.ephemeral-storage",
)

// validateEnvName uses the relaxed rule that is on by default in
// Kubernetes 1.32 (any printable ASCII but '=').
func validateEnvName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsRelaxedEnvVarName(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

func validateEnv(vars []corev1.EnvVar, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ev := range vars {
		ip := p.Index(i)
		errs = append(errs, validateEnvName(ev.Name, ip.Child("name"))...)
		errs = append(errs, validateEnvSource(ev, ip.Child("valueFrom"))...)
	}
	return errs
}

func validateEnvSource(ev corev1.EnvVar, p *field.Path) field.ErrorList {
	src := ev.ValueFrom
	if src == nil {
		return nil
	}
	var errs field.ErrorList
	n := 0
	if src.FieldRef != nil {
		n++
		errs = append(errs, validateFieldRef(src.FieldRef, p.Child("fieldRef"))...)
	}
	if src.ResourceFieldRef != nil {
		n++
		errs = append(errs, validateResourceFieldRef(src.ResourceFieldRef, p.Child("resourceFieldRef"))...)
	}
	if s := src.ConfigMapKeyRef; s != nil {
		n++
		errs = append(errs, validateKeyRef(s.Name, s.Key, p.Child("configMapKeyRef"))...)
	}
	if s := src.SecretKeyRef; s != nil {
		n++
		errs = append(errs, validateKeyRef(s.Name, s.Key, p.Child("secretKeyRef"))...)
	}
	switch {
	case n == 0:
		errs = append(errs, field.Invalid(p, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
	case n > 1:
		errs = append(errs, field.Invalid(p, "", "may not have more than one field specified at a time"))
	case ev.Value != "":
		errs = append(errs, field.Invalid(p, "", "may not be specified when `value` is not empty"))
	}
	return errs
}

func validateFieldRef(f *corev1.ObjectFieldSelector, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if f.APIVersion == "" {
		errs = append(errs, field.Required(p.Child("apiVersion"), ""))
	}
	if f.FieldPath == "" {
		return append(errs, field.Required(p.Child("fieldPath"), ""))
	}
	if !sets.New(validEnvFieldPaths...).Has(f.FieldPath) && !isSubscriptedLabelOrAnnotation(f.FieldPath) {
		errs = append(errs, field.NotSupported(p.Child("fieldPath"), f.FieldPath, validEnvFieldPaths))
	}
	return errs
}

// isSubscriptedLabelOrAnnotation accepts metadata.labels['key'] and
// metadata.annotations['key'].
func isSubscriptedLabelOrAnnotation(fp string) bool {
	for _, prefix := range []string{"metadata.labels['", "metadata.annotations['"} {
		if len(fp) > len(prefix)+2 && fp[:len(prefix)] == prefix && fp[len(fp)-2:] == "']" {
			return true
		}
	}
	return false
}

func validateResourceFieldRef(r *corev1.ResourceFieldSelector, p *field.Path) field.ErrorList {
	switch {
	case r.Resource == "":
		return field.ErrorList{field.Required(p.Child("resource"), "")}
	case !validResourceFieldRefs.Has(r.Resource) && !hasHugePagesPrefix(r.Resource):
		return field.ErrorList{field.NotSupported(p.Child("resource"), r.Resource, sets.List(validResourceFieldRefs))}
	case r.Divisor.Sign() < 0:
		return field.ErrorList{field.Invalid(p.Child("divisor"), r.Divisor.String(), "must be greater than or equal to 0")}
	}
	return nil
}

func hasHugePagesPrefix(s string) bool {
	for _, prefix := range []string{"limits.hugepages-", "requests.hugepages-"} {
		if len(s) > len(prefix) && s[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}

func validateKeyRef(name, key string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	}
	if key == "" {
		return append(errs, field.Required(p.Child("key"), ""))
	}
	for _, msg := range validation.IsConfigMapKey(key) {
		errs = append(errs, field.Invalid(p.Child("key"), key, msg))
	}
	return errs
}

func validateEnvFrom(srcs []corev1.EnvFromSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, s := range srcs {
		ip := p.Index(i)
		if s.Prefix != "" {
			for _, msg := range validation.IsRelaxedEnvVarName(s.Prefix) {
				errs = append(errs, field.Invalid(ip.Child("prefix"), s.Prefix, msg))
			}
		}
		n := 0
		if s.ConfigMapRef != nil {
			n++
			errs = append(errs, requiredName(s.ConfigMapRef.Name, ip.Child("configMapRef", "name"))...)
		}
		if s.SecretRef != nil {
			n++
			errs = append(errs, requiredName(s.SecretRef.Name, ip.Child("secretRef", "name"))...)
		}
		switch n {
		case 0:
			errs = append(errs, field.Invalid(ip, "", "must specify one of: `configMapRef` or `secretRef`"))
		case 1:
		default:
			errs = append(errs, field.Invalid(ip, "", "may not have more than one field specified at a time"))
		}
	}
	return errs
}

func requiredName(name string, p *field.Path) field.ErrorList {
	if name == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	return dnsSubdomain(name, p)
}
