package deployment

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func tmpl(image string) *corev1.PodTemplateSpec {
	return &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "front"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
	}
}

func TestComputeHash(t *testing.T) {
	a := ComputeHash(tmpl("web:1"), nil)
	if a != ComputeHash(tmpl("web:1"), nil) {
		t.Fatal("hash not stable for equal templates")
	}
	if a == "" || len(a) > 10 || strings.Trim(a, safeAlphabet) != "" {
		t.Errorf("hash %q is not a short safe-encoded string", a)
	}
	zero, one := int32(0), int32(1)
	for name, other := range map[string]string{
		"other image":       ComputeHash(tmpl("web:2"), nil),
		"collision count 0": ComputeHash(tmpl("web:1"), &zero),
		"collision count 1": ComputeHash(tmpl("web:1"), &one),
	} {
		if other == a {
			t.Errorf("%s: same hash %q", name, a)
		}
	}
}

func TestEqualIgnoreHash(t *testing.T) {
	withHash := tmpl("web:1")
	withHash.Labels[PodTemplateHashLabel] = "abc"
	if !equalIgnoreHash(withHash, tmpl("web:1")) {
		t.Error("hash label must be ignored")
	}
	if equalIgnoreHash(withHash, tmpl("web:2")) {
		t.Error("different images compared equal")
	}
}
