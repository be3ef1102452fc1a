package core

import (
	"fmt"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

func persistentVolumeClaimKind() *api.Kind {
	return api.Def[*corev1.PersistentVolumeClaim, *corev1.PersistentVolumeClaimList]{
		Version: coreVersion, Kind: "PersistentVolumeClaim",
		Resource: "persistentvolumeclaims", Singular: "persistentvolumeclaim", Namespaced: true,
		ShortNames:     []string{"pvc"},
		Subresources:   []string{"status"},
		New:            func() *corev1.PersistentVolumeClaim { return &corev1.PersistentVolumeClaim{} },
		NewList:        func() *corev1.PersistentVolumeClaimList { return &corev1.PersistentVolumeClaimList{} },
		Default:        func(c *corev1.PersistentVolumeClaim) { podspec.DefaultPVCSpec(&c.Spec) },
		Validate:       validatePVC,
		ValidateUpdate: validatePVCUpdate,
		PrepareForCreate: func(c *corev1.PersistentVolumeClaim) {
			c.Status = corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}
		},
		Columns: pvcColumns,
		Row:     pvcRow,
		Fields:  func(c *corev1.PersistentVolumeClaim) fields.Set { return fields.Set{"name": c.Name} },
	}.Build()
}

func validatePVC(c *corev1.PersistentVolumeClaim) field.ErrorList {
	errs := validateMeta(c, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, validatePVCSpec(&c.Spec, field.NewPath("spec"))...)
}

// validatePVCSpec is shared with claim templates.
func validatePVCSpec(s *corev1.PersistentVolumeClaimSpec, sp *field.Path) field.ErrorList {
	errs := validateAccessModes(s.AccessModes, sp.Child("accessModes"), "at least 1 access mode is required")
	storageKey := sp.Child("resources").Key(string(corev1.ResourceStorage))
	if q, ok := s.Resources.Requests[corev1.ResourceStorage]; !ok {
		errs = append(errs, field.Required(storageKey, ""))
	} else {
		errs = append(errs, validatePositiveStorage(q, storageKey)...)
	}
	if s.StorageClassName != nil {
		errs = append(errs, validateStorageClassName(*s.StorageClassName, sp.Child("storageClassName"))...)
	}
	errs = append(errs, validateVolumeMode(s.VolumeMode, sp.Child("volumeMode"))...)
	if s.Selector != nil {
		errs = append(errs, metav1validation.ValidateLabelSelector(s.Selector, metav1validation.LabelSelectorValidationOptions{}, sp.Child("selector"))...)
	}
	if ds := s.DataSource; ds != nil {
		if ds.Name == "" {
			errs = append(errs, field.Required(sp.Child("dataSource", "name"), ""))
		}
		if ds.Kind == "" {
			errs = append(errs, field.Required(sp.Child("dataSource", "kind"), ""))
		}
	}
	return errs
}

// validatePVCUpdate: a claim's spec is fixed once created, except binding
// it to a volume, giving it a class once, and growing a bound claim.
func validatePVCUpdate(c, old *corev1.PersistentVolumeClaim) field.ErrorList {
	errs := validateMetaUpdate(c, old)
	errs = append(errs, validatePVC(c)...)
	oldSpec := old.Spec.DeepCopy()
	if oldSpec.VolumeName == "" {
		oldSpec.VolumeName = c.Spec.VolumeName
	}
	if oldSpec.StorageClassName == nil {
		oldSpec.StorageClassName = c.Spec.StorageClassName
	}
	if old.Status.Phase == corev1.ClaimBound {
		oldSpec.Resources.Requests = c.Spec.Resources.Requests
		newSize := c.Spec.Resources.Requests[corev1.ResourceStorage]
		oldSize := old.Spec.Resources.Requests[corev1.ResourceStorage]
		if newSize.Cmp(oldSize) < 0 {
			errs = append(errs, field.Forbidden(field.NewPath("spec", "resources", "requests", "storage"), "field can not be less than previous value"))
		}
	}
	if !apiequality.Semantic.DeepEqual(oldSpec, &c.Spec) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"), fmt.Sprintf(
			"spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n%v", cmp.Diff(*oldSpec, c.Spec))))
	}
	return errs
}

var pvcColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Status", Type: "string", Description: "phase represents the current phase of PersistentVolumeClaim."},
	{Name: "Volume", Type: "string", Description: "volumeName is the binding reference to the PersistentVolume backing this claim."},
	{Name: "Capacity", Type: "string", Description: "capacity represents the actual resources of the underlying volume."},
	{Name: "Access Modes", Type: "string", Description: "accessModes contains the desired access modes the volume should have."},
	{Name: "StorageClass", Type: "string", Description: "storageClassName is the name of the StorageClass required by the claim."},
	{Name: "VolumeAttributesClass", Type: "string", Description: "volumeAttributesClassName may be used to set the VolumeAttributesClass used by this claim."},
	ageColumn,
	{Name: "VolumeMode", Type: "string", Priority: 1, Description: "volumeMode defines what type of volume is required by the claim."},
}

// pvcRow shows capacity and access modes only once the claim is bound, as
// kubectl does.
func pvcRow(c *corev1.PersistentVolumeClaim) []any {
	phase := string(c.Status.Phase)
	if c.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	capacity, modes := "", ""
	if c.Spec.VolumeName != "" {
		modes = accessModesString(c.Status.AccessModes)
		q := c.Status.Capacity[corev1.ResourceStorage]
		capacity = q.String()
	}
	class := ""
	if c.Spec.StorageClassName != nil {
		class = *c.Spec.StorageClassName
	}
	return []any{
		c.Name, phase, c.Spec.VolumeName, capacity, modes,
		storageClass(class, c.Annotations), unsetOr(c.Spec.VolumeAttributesClassName),
		since(c.CreationTimestamp), volumeModeString(c.Spec.VolumeMode),
	}
}
