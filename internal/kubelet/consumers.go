package kubelet

import (
	corev1 "k8s.io/api/core/v1"
)

// objectKind is a kind of object pods consume by name.
type objectKind int

const (
	kindConfigMap objectKind = iota
	kindSecret
)

// objectChange names a changed ConfigMap or Secret.
type objectChange struct {
	Kind            objectKind
	Namespace, Name string
}

// podConsumes says whether a pod reads the object: through a volume (also
// projected), an env or envFrom source of any container, or (a Secret) as
// an image pull secret. Only such pods are synced again when it changes:
// waking every pod of the namespace made each unrelated ConfigMap write
// cost a sync of thousands of pods.
func podConsumes(pod *corev1.Pod, ch objectChange) bool {
	if pod.Namespace != ch.Namespace {
		return false
	}
	for i := range pod.Spec.Volumes {
		if volumeConsumes(&pod.Spec.Volumes[i], ch) {
			return true
		}
	}
	if ch.Kind == kindSecret {
		for _, s := range pod.Spec.ImagePullSecrets {
			if s.Name == ch.Name {
				return true
			}
		}
	}
	for i := range pod.Spec.InitContainers {
		if containerConsumes(pod.Spec.InitContainers[i].Env, pod.Spec.InitContainers[i].EnvFrom, ch) {
			return true
		}
	}
	for i := range pod.Spec.Containers {
		if containerConsumes(pod.Spec.Containers[i].Env, pod.Spec.Containers[i].EnvFrom, ch) {
			return true
		}
	}
	for i := range pod.Spec.EphemeralContainers {
		c := &pod.Spec.EphemeralContainers[i].EphemeralContainerCommon
		if containerConsumes(c.Env, c.EnvFrom, ch) {
			return true
		}
	}
	return false
}

func volumeConsumes(v *corev1.Volume, ch objectChange) bool {
	switch {
	case v.ConfigMap != nil:
		return ch.Kind == kindConfigMap && v.ConfigMap.Name == ch.Name
	case v.Secret != nil:
		return ch.Kind == kindSecret && v.Secret.SecretName == ch.Name
	case v.Projected != nil:
		for _, s := range v.Projected.Sources {
			if (s.ConfigMap != nil && ch.Kind == kindConfigMap && s.ConfigMap.Name == ch.Name) ||
				(s.Secret != nil && ch.Kind == kindSecret && s.Secret.Name == ch.Name) {
				return true
			}
		}
	}
	return false
}

func containerConsumes(env []corev1.EnvVar, from []corev1.EnvFromSource, ch objectChange) bool {
	for _, e := range env {
		if e.ValueFrom == nil {
			continue
		}
		if (e.ValueFrom.ConfigMapKeyRef != nil && ch.Kind == kindConfigMap && e.ValueFrom.ConfigMapKeyRef.Name == ch.Name) ||
			(e.ValueFrom.SecretKeyRef != nil && ch.Kind == kindSecret && e.ValueFrom.SecretKeyRef.Name == ch.Name) {
			return true
		}
	}
	for _, f := range from {
		if (f.ConfigMapRef != nil && ch.Kind == kindConfigMap && f.ConfigMapRef.Name == ch.Name) ||
			(f.SecretRef != nil && ch.Kind == kindSecret && f.SecretRef.Name == ch.Name) {
			return true
		}
	}
	return false
}
