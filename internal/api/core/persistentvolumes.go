package core

import (
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

func persistentVolumeKind() *api.Kind {
	return api.Def[*corev1.PersistentVolume, *corev1.PersistentVolumeList]{
		Version: coreVersion, Kind: "PersistentVolume",
		Resource: "persistentvolumes", Singular: "persistentvolume",
		ShortNames:       []string{"pv"},
		Subresources:     []string{"status"},
		New:              func() *corev1.PersistentVolume { return &corev1.PersistentVolume{} },
		NewList:          func() *corev1.PersistentVolumeList { return &corev1.PersistentVolumeList{} },
		Default:          defaultPersistentVolume,
		Validate:         validatePersistentVolume,
		ValidateUpdate:   validatePersistentVolumeUpdate,
		PrepareForCreate: preparePersistentVolumeCreate,
		Columns:          persistentVolumeColumns,
		Row:              persistentVolumeRow,
		Fields:           func(pv *corev1.PersistentVolume) fields.Set { return fields.Set{"name": pv.Name} },
	}.Build()
}

func defaultPersistentVolume(pv *corev1.PersistentVolume) {
	if pv.Spec.PersistentVolumeReclaimPolicy == "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	}
	if pv.Spec.VolumeMode == nil {
		pv.Spec.VolumeMode = ptr(corev1.PersistentVolumeFilesystem)
	}
}

// preparePersistentVolumeCreate: a new volume waits to be bound.
func preparePersistentVolumeCreate(pv *corev1.PersistentVolume) {
	now := metav1.Now()
	pv.Status = corev1.PersistentVolumeStatus{Phase: corev1.VolumePending, LastPhaseTransitionTime: &now}
}

// pvNameFn: volume names only need to be usable as a URL path segment.
func pvNameFn(name string, prefix bool) []string { return path.ValidatePathSegmentName(name, prefix) }

var accessModes = sets.New("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")

func validateAccessModes(modes []corev1.PersistentVolumeAccessMode, p *field.Path, requiredMsg string) field.ErrorList {
	if len(modes) == 0 {
		return field.ErrorList{field.Required(p, requiredMsg)}
	}
	var errs field.ErrorList
	for _, m := range modes {
		if !accessModes.Has(string(m)) {
			errs = append(errs, field.NotSupported(p, m, sets.List(accessModes)))
		}
		if m == corev1.ReadWriteOncePod && len(modes) > 1 {
			errs = append(errs, field.Forbidden(p, "may not use ReadWriteOncePod with other access modes"))
		}
	}
	return errs
}

func validateVolumeMode(m *corev1.PersistentVolumeMode, p *field.Path) field.ErrorList {
	if m != nil && *m != corev1.PersistentVolumeBlock && *m != corev1.PersistentVolumeFilesystem {
		return field.ErrorList{field.NotSupported(p, *m, []string{"Block", "Filesystem"})}
	}
	return nil
}

func validateStorageClassName(name string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if name != "" {
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			errs = append(errs, field.Invalid(p, name, msg))
		}
	}
	return errs
}

func validatePositiveStorage(q resource.Quantity, p *field.Path) field.ErrorList {
	if q.Sign() <= 0 {
		return field.ErrorList{field.Invalid(p, q.String(), "must be greater than zero")}
	}
	return nil
}

func validatePersistentVolume(pv *corev1.PersistentVolume) field.ErrorList {
	errs := validateMeta(pv, false, pvNameFn)
	s := &pv.Spec
	sp := field.NewPath("spec")
	errs = append(errs, validateAccessModes(s.AccessModes, sp.Child("accessModes"), "")...)
	errs = append(errs, validateCapacity(s.Capacity, sp.Child("capacity"))...)
	switch s.PersistentVolumeReclaimPolicy {
	case corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRecycle, corev1.PersistentVolumeReclaimRetain:
	default:
		errs = append(errs, field.NotSupported(sp.Child("persistentVolumeReclaimPolicy"), s.PersistentVolumeReclaimPolicy, []string{"Delete", "Recycle", "Retain"}))
	}
	errs = append(errs, validateStorageClassName(s.StorageClassName, sp.Child("storageClassName"))...)
	errs = append(errs, validateVolumeMode(s.VolumeMode, sp.Child("volumeMode"))...)
	errs = append(errs, validatePVSource(s, sp)...)
	if s.NodeAffinity != nil && s.NodeAffinity.Required != nil {
		errs = append(errs, podspec.ValidateNodeSelector(s.NodeAffinity.Required, sp.Child("nodeAffinity", "required"))...)
	}
	return errs
}

func validateCapacity(c corev1.ResourceList, p *field.Path) field.ErrorList {
	if len(c) == 0 {
		return field.ErrorList{field.Required(p, "")}
	}
	storage, ok := c[corev1.ResourceStorage]
	if !ok || len(c) > 1 {
		keys := make([]string, 0, len(c))
		for k := range c {
			keys = append(keys, string(k))
		}
		return field.ErrorList{field.NotSupported(p, strings.Join(keys, ","), []string{"storage"})}
	}
	return validatePositiveStorage(storage, p.Key("storage"))
}

// validatePVSource: exactly one source, with the fields each common source
// needs; local volumes must say on which node they are.
func validatePVSource(s *corev1.PersistentVolumeSpec, sp *field.Path) field.ErrorList {
	v := reflect.ValueOf(&s.PersistentVolumeSource).Elem()
	n := 0
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			n++
		}
	}
	switch {
	case n == 0:
		return field.ErrorList{field.Required(sp, "must specify a volume type")}
	case n > 1:
		return field.ErrorList{field.Forbidden(sp, "may not specify more than 1 volume type")}
	}
	var errs field.ErrorList
	switch src := s.PersistentVolumeSource; {
	case src.HostPath != nil && src.HostPath.Path == "":
		errs = append(errs, field.Required(sp.Child("hostPath", "path"), ""))
	case src.Local != nil:
		if src.Local.Path == "" {
			errs = append(errs, field.Required(sp.Child("local", "path"), ""))
		}
		if s.NodeAffinity == nil || s.NodeAffinity.Required == nil {
			errs = append(errs, field.Required(sp.Child("nodeAffinity"), "Local volume requires node affinity"))
		}
	case src.NFS != nil:
		if src.NFS.Server == "" {
			errs = append(errs, field.Required(sp.Child("nfs", "server"), ""))
		}
		if src.NFS.Path == "" {
			errs = append(errs, field.Required(sp.Child("nfs", "path"), ""))
		}
	case src.CSI != nil:
		if src.CSI.Driver == "" {
			errs = append(errs, field.Required(sp.Child("csi", "driver"), ""))
		}
		if src.CSI.VolumeHandle == "" {
			errs = append(errs, field.Required(sp.Child("csi", "volumeHandle"), ""))
		}
	}
	return errs
}

func validatePersistentVolumeUpdate(pv, old *corev1.PersistentVolume) field.ErrorList {
	errs := validateMetaUpdate(pv, old)
	errs = append(errs, validatePersistentVolume(pv)...)
	sp := field.NewPath("spec")
	if !apiequality.Semantic.DeepEqual(pv.Spec.PersistentVolumeSource, old.Spec.PersistentVolumeSource) {
		errs = append(errs, field.Forbidden(sp.Child("persistentvolumesource"), "spec.persistentvolumesource is immutable after creation"))
	}
	errs = append(errs, immutable(pv.Spec.VolumeMode, old.Spec.VolumeMode, sp.Child("volumeMode"))...)
	if old.Spec.NodeAffinity != nil {
		errs = append(errs, immutable(pv.Spec.NodeAffinity, old.Spec.NodeAffinity, sp.Child("nodeAffinity"))...)
	}
	return errs
}

var persistentVolumeColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Capacity", Type: "string", Description: "capacity is the description of the persistent volume's resources and capacity."},
	{Name: "Access Modes", Type: "string", Description: "accessModes contains all ways the volume can be mounted."},
	{Name: "Reclaim Policy", Type: "string", Description: "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim."},
	{Name: "Status", Type: "string", Description: "phase indicates if a volume is available, bound to a claim, or released by a claim."},
	{Name: "Claim", Type: "string", Description: "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim."},
	{Name: "StorageClass", Type: "string", Description: "storageClassName is the name of StorageClass to which this persistent volume belongs."},
	{Name: "VolumeAttributesClass", Type: "string", Description: "Name of VolumeAttributesClass to which this persistent volume belongs."},
	{Name: "Reason", Type: "string", Description: "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI."},
	ageColumn,
	{Name: "VolumeMode", Type: "string", Priority: 1, Description: "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state."},
}

func persistentVolumeRow(pv *corev1.PersistentVolume) []any {
	claim := ""
	if ref := pv.Spec.ClaimRef; ref != nil {
		claim = ref.Namespace + "/" + ref.Name
	}
	phase := string(pv.Status.Phase)
	if pv.DeletionTimestamp != nil {
		phase = "Terminating"
	}
	storage := pv.Spec.Capacity[corev1.ResourceStorage]
	return []any{
		pv.Name, storage.String(), accessModesString(pv.Spec.AccessModes),
		string(pv.Spec.PersistentVolumeReclaimPolicy), phase, claim,
		storageClass(pv.Spec.StorageClassName, pv.Annotations),
		unsetOr(pv.Spec.VolumeAttributesClassName), pv.Status.Reason,
		since(pv.CreationTimestamp), volumeModeString(pv.Spec.VolumeMode),
	}
}

// accessModesString abbreviates as kubectl does: RWO,ROX,RWX,RWOP.
func accessModesString(modes []corev1.PersistentVolumeAccessMode) string {
	short := map[corev1.PersistentVolumeAccessMode]string{
		corev1.ReadWriteOnce: "RWO", corev1.ReadOnlyMany: "ROX",
		corev1.ReadWriteMany: "RWX", corev1.ReadWriteOncePod: "RWOP",
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadOnlyMany, corev1.ReadWriteMany, corev1.ReadWriteOncePod} {
		for _, have := range modes {
			if have == m && !seen[short[m]] {
				seen[short[m]] = true
				out = append(out, short[m])
			}
		}
	}
	return strings.Join(out, ",")
}

// storageClass reads the class field or the beta annotation that preceded it.
func storageClass(name string, annotations map[string]string) string {
	if a, ok := annotations[corev1.BetaStorageClassAnnotation]; ok {
		return a
	}
	return name
}

func unsetOr(s *string) string {
	if s == nil {
		return "<unset>"
	}
	return *s
}

func volumeModeString(m *corev1.PersistentVolumeMode) string {
	if m == nil {
		return "<unset>"
	}
	return string(*m)
}
