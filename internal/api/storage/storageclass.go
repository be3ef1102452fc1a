package storage

import (
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Limits on provisioner parameters, as Kubernetes sets them.
const (
	maxParameters    = 512
	maxParameterSize = 256 * (1 << 10)
)

var (
	supportedReclaimPolicies = []string{string(corev1.PersistentVolumeReclaimDelete), string(corev1.PersistentVolumeReclaimRetain)}
	supportedBindingModes    = []string{string(storagev1.VolumeBindingImmediate), string(storagev1.VolumeBindingWaitForFirstConsumer)}
)

func defaultStorageClass(sc *storagev1.StorageClass) {
	if sc.ReclaimPolicy == nil {
		p := corev1.PersistentVolumeReclaimDelete
		sc.ReclaimPolicy = &p
	}
	if sc.VolumeBindingMode == nil {
		m := storagev1.VolumeBindingImmediate
		sc.VolumeBindingMode = &m
	}
}

func validateStorageClass(sc *storagev1.StorageClass) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessor(sc, false, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateProvisioner(sc.Provisioner, field.NewPath("provisioner"))...)
	allErrs = append(allErrs, validateParameters(sc.Parameters, field.NewPath("parameters"))...)
	allErrs = append(allErrs, validateReclaimPolicy(sc.ReclaimPolicy, field.NewPath("reclaimPolicy"))...)
	allErrs = append(allErrs, validateBindingMode(sc.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
	return append(allErrs, validateAllowedTopologies(sc.AllowedTopologies, field.NewPath("allowedTopologies"))...)
}

// validateStorageClassUpdate keeps what volumes were provisioned with
// fixed: changing it would make existing volumes lie about their class.
func validateStorageClassUpdate(sc, old *storagev1.StorageClass) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessorUpdate(sc, old, field.NewPath("metadata"))
	allErrs = append(allErrs, validateStorageClass(sc)...)
	if !reflect.DeepEqual(sc.Parameters, old.Parameters) {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("parameters"), "updates to parameters are forbidden."))
	}
	if sc.Provisioner != old.Provisioner {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("provisioner"), "updates to provisioner are forbidden."))
	}
	if !reflect.DeepEqual(sc.ReclaimPolicy, old.ReclaimPolicy) {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("reclaimPolicy"), "updates to reclaimPolicy are forbidden."))
	}
	return append(allErrs, apimachineryvalidation.ValidateImmutableField(sc.VolumeBindingMode, old.VolumeBindingMode, field.NewPath("volumeBindingMode"))...)
}

func validateProvisioner(p string, fldPath *field.Path) field.ErrorList {
	if p == "" {
		return field.ErrorList{field.Required(fldPath, p)}
	}
	var allErrs field.ErrorList
	// Provisioner names are case-insensitive qualified names.
	for _, msg := range validation.IsQualifiedName(strings.ToLower(p)) {
		allErrs = append(allErrs, field.Invalid(fldPath, strings.ToLower(p), msg))
	}
	return allErrs
}

func validateParameters(params map[string]string, fldPath *field.Path) field.ErrorList {
	if len(params) > maxParameters {
		return field.ErrorList{field.TooLong(fldPath, "Provisioner Parameters exceeded max allowed", maxParameters)}
	}
	var allErrs field.ErrorList
	size := 0
	for k, v := range params {
		if k == "" {
			allErrs = append(allErrs, field.Invalid(fldPath, k, "field can not be empty."))
		}
		size += len(k) + len(v)
	}
	if size > maxParameterSize {
		allErrs = append(allErrs, field.TooLong(fldPath, "", maxParameterSize))
	}
	return allErrs
}

func validateReclaimPolicy(p *corev1.PersistentVolumeReclaimPolicy, fldPath *field.Path) field.ErrorList {
	if p == nil || *p == "" || *p == corev1.PersistentVolumeReclaimDelete || *p == corev1.PersistentVolumeReclaimRetain {
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath, *p, supportedReclaimPolicies)}
}

func validateBindingMode(m *storagev1.VolumeBindingMode, fldPath *field.Path) field.ErrorList {
	switch {
	case m == nil:
		return field.ErrorList{field.Required(fldPath, "")}
	case *m == storagev1.VolumeBindingImmediate || *m == storagev1.VolumeBindingWaitForFirstConsumer:
		return nil
	default:
		return field.ErrorList{field.NotSupported(fldPath, *m, supportedBindingModes)}
	}
}

func validateAllowedTopologies(terms []corev1.TopologySelectorTerm, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	var seen []map[string]map[string]bool
	for i, term := range terms {
		exprs, errs := validateTopologyTerm(term, fldPath.Index(i).Child("matchLabelExpressions"))
		allErrs = append(allErrs, errs...)
		for _, prev := range seen {
			if reflect.DeepEqual(prev, exprs) {
				allErrs = append(allErrs, field.Duplicate(fldPath.Index(i).Child("matchLabelExpressions"), ""))
			}
		}
		seen = append(seen, exprs)
	}
	return allErrs
}

// validateTopologyTerm returns the term as key -> set of values, so that
// equal terms written in another order are found duplicate.
func validateTopologyTerm(term corev1.TopologySelectorTerm, fldPath *field.Path) (map[string]map[string]bool, field.ErrorList) {
	var allErrs field.ErrorList
	exprs := map[string]map[string]bool{}
	for i, req := range term.MatchLabelExpressions {
		idxPath := fldPath.Index(i)
		values := map[string]bool{}
		if len(req.Values) == 0 {
			allErrs = append(allErrs, field.Required(idxPath.Child("values"), ""))
		}
		for j, v := range req.Values {
			if values[v] {
				allErrs = append(allErrs, field.Duplicate(idxPath.Child("values").Index(j), v))
			}
			values[v] = true
		}
		allErrs = append(allErrs, metav1validation.ValidateLabelName(req.Key, idxPath.Child("key"))...)
		if _, dup := exprs[req.Key]; dup {
			allErrs = append(allErrs, field.Duplicate(idxPath.Child("key"), req.Key))
		}
		exprs[req.Key] = values
	}
	return exprs, allErrs
}
