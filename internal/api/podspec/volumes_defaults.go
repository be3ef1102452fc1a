package podspec

import corev1 "k8s.io/api/core/v1"

// defaultVolume applies the per-source defaults; a volume with no source at
// all becomes an emptyDir, as in Kubernetes.
func defaultVolume(v *corev1.Volume) {
	src := &v.VolumeSource
	if volumeSourceCount(src) == 0 {
		src.EmptyDir = &corev1.EmptyDirVolumeSource{}
	}
	mode := corev1.SecretVolumeSourceDefaultMode // 0644 for all of them
	if s := src.Secret; s != nil && s.DefaultMode == nil {
		s.DefaultMode = ptr(mode)
	}
	if c := src.ConfigMap; c != nil && c.DefaultMode == nil {
		c.DefaultMode = ptr(mode)
	}
	if d := src.DownwardAPI; d != nil {
		if d.DefaultMode == nil {
			d.DefaultMode = ptr(mode)
		}
		defaultDownwardItems(d.Items)
	}
	if p := src.Projected; p != nil {
		if p.DefaultMode == nil {
			p.DefaultMode = ptr(mode)
		}
		defaultProjections(p.Sources)
	}
	if h := src.HostPath; h != nil && h.Type == nil {
		h.Type = ptr(corev1.HostPathUnset)
	}
	if e := src.Ephemeral; e != nil && e.VolumeClaimTemplate != nil {
		DefaultPVCSpec(&e.VolumeClaimTemplate.Spec)
	}
}

func defaultProjections(srcs []corev1.VolumeProjection) {
	for i := range srcs {
		if d := srcs[i].DownwardAPI; d != nil {
			defaultDownwardItems(d.Items)
		}
		if t := srcs[i].ServiceAccountToken; t != nil && t.ExpirationSeconds == nil {
			t.ExpirationSeconds = ptr(int64(3600))
		}
	}
}

func defaultDownwardItems(items []corev1.DownwardAPIVolumeFile) {
	for i := range items {
		if f := items[i].FieldRef; f != nil && f.APIVersion == "" {
			f.APIVersion = "v1"
		}
	}
}

// DefaultPVCSpec gives a claim spec its volumeMode, as Kubernetes does for
// claims and claim templates.
func DefaultPVCSpec(s *corev1.PersistentVolumeClaimSpec) {
	if s.VolumeMode == nil {
		s.VolumeMode = ptr(corev1.PersistentVolumeFilesystem)
	}
}

func ptr[T any](v T) *T { return &v }
