package podspec

import (
	"path"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// volumeSourceCount counts the sources set in src. Reflection keeps it right
// for every source type Kubernetes has, present and future.
func volumeSourceCount(src *corev1.VolumeSource) int {
	v := reflect.ValueOf(src).Elem()
	n := 0
	for i := 0; i < v.NumField(); i++ {
		if f := v.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			n++
		}
	}
	return n
}

// validateVolumes checks the pod's volumes and returns the set of names, so
// mounts can be checked against it.
func validateVolumes(vols []corev1.Volume, p *field.Path) (sets.Set[string], field.ErrorList) {
	var errs field.ErrorList
	names := sets.New[string]()
	for i := range vols {
		v := &vols[i]
		idx := p.Index(i)
		errs = append(errs, validateVolumeName(v.Name, names, idx.Child("name"))...)
		names.Insert(v.Name)
		errs = append(errs, validateVolumeSource(&v.VolumeSource, idx)...)
	}
	return names, errs
}

func validateVolumeName(name string, seen sets.Set[string], p *field.Path) field.ErrorList {
	switch {
	case name == "":
		return field.ErrorList{field.Required(p, "")}
	case seen.Has(name):
		return field.ErrorList{field.Duplicate(p, name)}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	return errs
}

func validateVolumeSource(src *corev1.VolumeSource, p *field.Path) field.ErrorList {
	switch volumeSourceCount(src) {
	case 0:
		return field.ErrorList{field.Required(p, "must specify a volume type")}
	case 1:
	default:
		return field.ErrorList{field.Forbidden(p, "may not specify more than 1 volume type")}
	}
	var errs field.ErrorList
	switch {
	case src.HostPath != nil:
		errs = append(errs, validateHostPath(src.HostPath, p.Child("hostPath"))...)
	case src.EmptyDir != nil:
		errs = append(errs, validateEmptyDir(src.EmptyDir, p.Child("emptyDir"))...)
	case src.Secret != nil:
		sp := p.Child("secret")
		if src.Secret.SecretName == "" {
			errs = append(errs, field.Required(sp.Child("secretName"), ""))
		}
		errs = append(errs, validateMode(src.Secret.DefaultMode, sp.Child("defaultMode"))...)
		errs = append(errs, validateKeyToPaths(src.Secret.Items, sp.Child("items"))...)
	case src.ConfigMap != nil:
		cp := p.Child("configMap")
		if src.ConfigMap.Name == "" {
			errs = append(errs, field.Required(cp.Child("name"), ""))
		}
		errs = append(errs, validateMode(src.ConfigMap.DefaultMode, cp.Child("defaultMode"))...)
		errs = append(errs, validateKeyToPaths(src.ConfigMap.Items, cp.Child("items"))...)
	case src.PersistentVolumeClaim != nil:
		if src.PersistentVolumeClaim.ClaimName == "" {
			errs = append(errs, field.Required(p.Child("persistentVolumeClaim", "claimName"), ""))
		}
	case src.NFS != nil:
		errs = append(errs, validateNFS(src.NFS, p.Child("nfs"))...)
	case src.DownwardAPI != nil:
		dp := p.Child("downwardAPI")
		errs = append(errs, validateMode(src.DownwardAPI.DefaultMode, dp.Child("defaultMode"))...)
		errs = append(errs, validateDownwardFiles(src.DownwardAPI.Items, dp.Child("items"))...)
	case src.Projected != nil:
		errs = append(errs, validateProjected(src.Projected, p.Child("projected"))...)
	}
	return errs
}

func validateHostPath(h *corev1.HostPathVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if h.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	}
	if h.Type != nil && !hostPathTypes.Has(string(*h.Type)) {
		errs = append(errs, field.NotSupported(p.Child("type"), *h.Type, sets.List(hostPathTypes)))
	}
	return errs
}

var hostPathTypes = sets.New("", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice")

func validateEmptyDir(e *corev1.EmptyDirVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if e.Medium != "" && e.Medium != corev1.StorageMediumMemory && e.Medium != corev1.StorageMediumHugePages &&
		!strings.HasPrefix(string(e.Medium), "HugePages-") {
		errs = append(errs, field.NotSupported(p.Child("medium"), e.Medium, []string{"", "Memory", "HugePages"}))
	}
	if e.SizeLimit != nil && e.SizeLimit.Sign() < 0 {
		errs = append(errs, field.Invalid(p.Child("sizeLimit"), e.SizeLimit.String(), "SizeLimit field must be a valid resource quantity"))
	}
	return errs
}

func validateNFS(n *corev1.NFSVolumeSource, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if n.Server == "" {
		errs = append(errs, field.Required(p.Child("server"), ""))
	}
	switch {
	case n.Path == "":
		errs = append(errs, field.Required(p.Child("path"), ""))
	case !path.IsAbs(n.Path):
		errs = append(errs, field.Invalid(p.Child("path"), n.Path, "must be an absolute path"))
	}
	return errs
}

const maxFileMode = 0o777

func validateMode(mode *int32, p *field.Path) field.ErrorList {
	if mode != nil && (*mode < 0 || *mode > maxFileMode) {
		return field.ErrorList{field.Invalid(p, *mode, "must be a number between 0 and 0777 (octal), both inclusive")}
	}
	return nil
}

func validateKeyToPaths(items []corev1.KeyToPath, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, it := range items {
		ip := p.Index(i)
		if it.Key == "" {
			errs = append(errs, field.Required(ip.Child("key"), ""))
		}
		errs = append(errs, validateLocalPath(it.Path, ip.Child("path"))...)
		errs = append(errs, validateMode(it.Mode, ip.Child("mode"))...)
	}
	return errs
}

func validateDownwardFiles(items []corev1.DownwardAPIVolumeFile, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, it := range items {
		ip := p.Index(i)
		errs = append(errs, validateLocalPath(it.Path, ip.Child("path"))...)
		errs = append(errs, validateMode(it.Mode, ip.Child("mode"))...)
		if (it.FieldRef == nil) == (it.ResourceFieldRef == nil) {
			errs = append(errs, field.Invalid(ip, "", "fieldRef and resourceFieldRef can not be specified simultaneously"))
		}
	}
	return errs
}

func validateProjected(pr *corev1.ProjectedVolumeSource, p *field.Path) field.ErrorList {
	errs := validateMode(pr.DefaultMode, p.Child("defaultMode"))
	for i, s := range pr.Sources {
		sp := p.Child("sources").Index(i)
		n := 0
		if s.Secret != nil {
			n++
			errs = append(errs, validateKeyToPaths(s.Secret.Items, sp.Child("secret", "items"))...)
		}
		if s.ConfigMap != nil {
			n++
			errs = append(errs, validateKeyToPaths(s.ConfigMap.Items, sp.Child("configMap", "items"))...)
		}
		if s.DownwardAPI != nil {
			n++
			errs = append(errs, validateDownwardFiles(s.DownwardAPI.Items, sp.Child("downwardAPI", "items"))...)
		}
		if s.ServiceAccountToken != nil {
			n++
			errs = append(errs, validateTokenProjection(s.ServiceAccountToken, sp.Child("serviceAccountToken"))...)
		}
		if s.ClusterTrustBundle != nil {
			n++
		}
		if n > 1 {
			errs = append(errs, field.Forbidden(sp, "may not specify more than 1 volume type per source"))
		}
	}
	return errs
}

func validateTokenProjection(t *corev1.ServiceAccountTokenProjection, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if t.ExpirationSeconds != nil && *t.ExpirationSeconds < 600 {
		errs = append(errs, field.Invalid(p.Child("expirationSeconds"), *t.ExpirationSeconds, "may not specify a duration less than 10 minutes"))
	}
	if t.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	}
	return errs
}

// validateLocalPath refuses absolute paths and ".." so volume files stay
// inside the volume.
func validateLocalPath(pth string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if pth == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	if path.IsAbs(pth) {
		errs = append(errs, field.Invalid(p, pth, "must be a relative path"))
	}
	for _, part := range strings.Split(pth, "/") {
		if part == ".." {
			errs = append(errs, field.Invalid(p, pth, "must not contain '..'"))
			break
		}
	}
	return errs
}
