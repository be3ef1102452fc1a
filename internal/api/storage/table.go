package storage

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// The annotations that make a class the cluster default; kubectl marks it
// "(default)" in the name cell. The beta one is still honoured.
const (
	IsDefaultClassAnnotation     = "storageclass.kubernetes.io/is-default-class"
	BetaIsDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

var (
	objectMetaDoc = metav1.ObjectMeta{}.SwaggerDoc()
	classDoc      = storagev1.StorageClass{}.SwaggerDoc()
	columns       = []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: objectMetaDoc["name"]},
		{Name: "Provisioner", Type: "string", Description: classDoc["provisioner"]},
		{Name: "ReclaimPolicy", Type: "string", Description: classDoc["reclaimPolicy"]},
		{Name: "VolumeBindingMode", Type: "string", Description: classDoc["volumeBindingMode"]},
		{Name: "AllowVolumeExpansion", Type: "string", Description: classDoc["allowVolumeExpansion"]},
		{Name: "Age", Type: "string", Description: objectMetaDoc["creationTimestamp"]},
	}
)

func row(sc *storagev1.StorageClass) []any {
	name := sc.Name
	if IsDefault(sc) {
		name += " (default)"
	}
	reclaim := string(corev1.PersistentVolumeReclaimDelete)
	if sc.ReclaimPolicy != nil {
		reclaim = string(*sc.ReclaimPolicy)
	}
	mode := string(storagev1.VolumeBindingImmediate)
	if sc.VolumeBindingMode != nil {
		mode = string(*sc.VolumeBindingMode)
	}
	expand := sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion
	return []any{name, sc.Provisioner, reclaim, mode, expand, age(sc.CreationTimestamp)}
}

// IsDefault says whether sc is annotated as the default class.
func IsDefault(sc *storagev1.StorageClass) bool {
	return sc.Annotations[IsDefaultClassAnnotation] == "true" || sc.Annotations[BetaIsDefaultClassAnnotation] == "true"
}

// age is kubectl's AGE cell: "<unknown>" for an unset timestamp.
func age(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}
