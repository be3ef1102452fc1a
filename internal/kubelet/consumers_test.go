package kubelet

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podConsumes says whether a pod reads the object, as the index sees it.
func podConsumes(pod *corev1.Pod, o objectChange) bool {
	keys, _ := indexByConsumed(pod)
	return slices.Contains(keys, o.key())
}

func TestPodConsumes(t *testing.T) {
	cm := func(name string) objectChange { return objectChange{Kind: kindConfigMap, Namespace: "ns", Name: name} }
	sec := func(name string) objectChange { return objectChange{Kind: kindSecret, Namespace: "ns", Name: name} }
	pod := func(spec corev1.PodSpec) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}, Spec: spec}
	}
	withVolume := func(v corev1.VolumeSource) *corev1.Pod {
		return pod(corev1.PodSpec{Volumes: []corev1.Volume{{Name: "v", VolumeSource: v}}})
	}
	withEnv := func(e corev1.EnvVar) *corev1.Pod {
		return pod(corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Env: []corev1.EnvVar{e}}}})
	}
	ref := func(n string) corev1.LocalObjectReference { return corev1.LocalObjectReference{Name: n} }
	cases := []struct {
		name string
		pod  *corev1.Pod
		ch   objectChange
		want bool
	}{
		{"configMap volume", withVolume(corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref("a")}}), cm("a"), true},
		{"configMap volume, other name", withVolume(corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref("a")}}), cm("b"), false},
		{"configMap volume, secret of that name", withVolume(corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref("a")}}), sec("a"), false},
		{"secret volume", withVolume(corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}), sec("s"), true},
		{"projected configMap", withVolume(corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{DownwardAPI: &corev1.DownwardAPIProjection{}}, {ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: ref("a")}}}}}), cm("a"), true},
		{"projected secret", withVolume(corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{Secret: &corev1.SecretProjection{LocalObjectReference: ref("s")}}}}}), sec("s"), true},
		{"env configMapKeyRef", withEnv(corev1.EnvVar{Name: "X", ValueFrom: &corev1.EnvVarSource{
			ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: ref("a"), Key: "k"}}}), cm("a"), true},
		{"env secretKeyRef", withEnv(corev1.EnvVar{Name: "X", ValueFrom: &corev1.EnvVarSource{
			SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: ref("s"), Key: "k"}}}), sec("s"), true},
		{"plain env", withEnv(corev1.EnvVar{Name: "X", Value: "a"}), cm("a"), false},
		{"envFrom of an init container", pod(corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i",
			EnvFrom: []corev1.EnvFromSource{{ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: ref("a")}}}}}}), cm("a"), true},
		{"envFrom secret of an ephemeral container", pod(corev1.PodSpec{EphemeralContainers: []corev1.EphemeralContainer{{
			EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: "e",
				EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: ref("s")}}}}}}}), sec("s"), true},
		{"image pull secret", pod(corev1.PodSpec{ImagePullSecrets: []corev1.LocalObjectReference{ref("s")}}), sec("s"), true},
		{"other namespace", withVolume(corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: ref("a")}}),
			objectChange{Kind: kindConfigMap, Namespace: "other", Name: "a"}, false},
		{"pod consuming nothing", pod(corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}}), cm("a"), false},
	}
	for _, c := range cases {
		if got := podConsumes(c.pod, c.ch); got != c.want {
			t.Errorf("%s: podConsumes = %v, want %v", c.name, got, c.want)
		}
	}
}
