package core

import (
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

// maxDataSize is the limit on a ConfigMap's or Secret's data (1 MiB), so
// that objects fit in etcd.
const maxDataSize = 1024 * 1024

func configMapKind() *api.Kind {
	return api.Def[*corev1.ConfigMap, *corev1.ConfigMapList]{
		Version: coreVersion, Kind: "ConfigMap",
		Resource: "configmaps", Singular: "configmap", Namespaced: true,
		ShortNames:     []string{"cm"},
		New:            func() *corev1.ConfigMap { return &corev1.ConfigMap{} },
		NewList:        func() *corev1.ConfigMapList { return &corev1.ConfigMapList{} },
		Validate:       validateConfigMap,
		ValidateUpdate: validateConfigMapUpdate,
		Columns:        configMapColumns,
		Row:            configMapRow,
	}.Build()
}

func validateConfigMap(cm *corev1.ConfigMap) field.ErrorList {
	errs := validateMeta(cm, true, apivalidation.NameIsDNSSubdomain)
	size := 0
	for _, key := range sortedKeys(cm.Data) {
		errs = append(errs, validateDataKey(key, field.NewPath("data").Key(key))...)
		size += len(cm.Data[key])
	}
	for _, key := range sortedKeys(cm.BinaryData) {
		p := field.NewPath("binaryData").Key(key)
		errs = append(errs, validateDataKey(key, p)...)
		if _, dup := cm.Data[key]; dup {
			errs = append(errs, field.Invalid(p, key, "duplicate of key present in data"))
		}
		size += len(cm.BinaryData[key])
	}
	if size > maxDataSize {
		errs = append(errs, field.TooLong(field.NewPath(""), "", maxDataSize))
	}
	return errs
}

func validateDataKey(key string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsConfigMapKey(key) {
		errs = append(errs, field.Invalid(p, key, msg))
	}
	return errs
}

func validateConfigMapUpdate(cm, old *corev1.ConfigMap) field.ErrorList {
	errs := validateMetaUpdate(cm, old)
	errs = append(errs, validateConfigMap(cm)...)
	if isImmutable(old.Immutable) {
		errs = append(errs, frozen(cm.Immutable, old.Immutable, cm.Data, old.Data, cm.BinaryData, old.BinaryData, "binaryData")...)
	}
	return errs
}

func isImmutable(b *bool) bool { return b != nil && *b }

// frozen refuses changes to an object marked immutable: its data, its
// second data map (binaryData or stringData) and the mark itself.
func frozen(mark, oldMark *bool, data, oldData, data2, oldData2 any, data2Name string) field.ErrorList {
	var errs field.ErrorList
	const msg = "field is immutable when `immutable` is set"
	if !isImmutable(mark) {
		errs = append(errs, field.Forbidden(field.NewPath("immutable"), msg))
	}
	if !apiequality.Semantic.DeepEqual(data, oldData) {
		errs = append(errs, field.Forbidden(field.NewPath("data"), msg))
	}
	if !apiequality.Semantic.DeepEqual(data2, oldData2) {
		errs = append(errs, field.Forbidden(field.NewPath(data2Name), msg))
	}
	return errs
}

var configMapColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Data", Type: "integer", Description: "Data contains the configuration data."},
	ageColumn,
}

func configMapRow(cm *corev1.ConfigMap) []any {
	return []any{cm.Name, int64(len(cm.Data) + len(cm.BinaryData)), since(cm.CreationTimestamp)}
}
