package fieldpath

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u-1",
			Labels: map[string]string{"app": "web", "tier": "a\"b"}, Annotations: map[string]string{"note": "x"}},
		Spec: corev1.PodSpec{NodeName: "n1", ServiceAccountName: "sa", Containers: []corev1.Container{{
			Name: "c",
			Resources: corev1.ResourceRequirements{
				Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("64Mi")},
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")},
			},
		}}},
	}
}

func TestField(t *testing.T) {
	st := Status{PodIPs: []string{"10.42.0.5", "fd00::5"}, HostIPs: []string{"192.168.0.1"}}
	cases := map[string]string{
		"metadata.name": "p", "metadata.namespace": "ns", "metadata.uid": "u-1",
		"metadata.labels['app']": "web", "metadata.labels['missing']": "", "metadata.annotations['note']": "x",
		"metadata.labels": "app=\"web\"\ntier=\"a\\\"b\"",
		"spec.nodeName":   "n1", "spec.serviceAccountName": "sa",
		"status.podIP": "10.42.0.5", "status.podIPs": "10.42.0.5,fd00::5", "status.hostIP": "192.168.0.1",
	}
	for path, want := range cases {
		got, err := Field(testPod(), path, st)
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", path, got, err, want)
		}
	}
	if _, err := Field(testPod(), "spec.bogus", st); err == nil {
		t.Error("unsupported path accepted")
	}
}

func TestResource(t *testing.T) {
	alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi")}
	cases := []struct {
		resource, divisor, want string
	}{
		{"limits.memory", "", "67108864"},
		{"limits.memory", "1Mi", "64"},
		{"requests.cpu", "", "1"},     // 250m rounds up to 1 core
		{"requests.cpu", "1m", "250"}, // in millicores
		{"limits.cpu", "", "4"},       // no limit: node allocatable
		{"limits.cpu", "1m", "4000"},
	}
	for _, tc := range cases {
		ref := &corev1.ResourceFieldSelector{Resource: tc.resource}
		if tc.divisor != "" {
			ref.Divisor = resource.MustParse(tc.divisor)
		}
		got, err := Resource(testPod(), "c", ref, alloc)
		if err != nil || got != tc.want {
			t.Errorf("%s/%s = %q, %v; want %q", tc.resource, tc.divisor, got, err, tc.want)
		}
	}
	if _, err := Resource(testPod(), "nope", &corev1.ResourceFieldSelector{Resource: "limits.cpu"}, alloc); err == nil {
		t.Error("unknown container accepted")
	}
}
