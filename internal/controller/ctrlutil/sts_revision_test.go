package ctrlutil

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestTemplateRevisionRoundTrip(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx:1"}}},
	}
	data, err := TemplateRevisionData(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	owner := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", UID: "u1"}}
	rev := NewControllerRevision(owner, appsv1.SchemeGroupVersion.WithKind("StatefulSet"), tmpl.Labels, data, 3, nil)
	hash := HashRevisionData(data, nil)
	if rev.Name != "web-"+hash || rev.Labels[ControllerRevisionHashLabel] != hash || rev.Labels["app"] != "web" || rev.Revision != 3 {
		t.Errorf("revision %s labels %v number %d", rev.Name, rev.Labels, rev.Revision)
	}
	if RevisionHash(rev, "web") != hash {
		t.Errorf("RevisionHash = %s, want %s", RevisionHash(rev, "web"), hash)
	}
	back, err := TemplateFromRevision(rev)
	if err != nil {
		t.Fatal(err)
	}
	if back.Spec.Containers[0].Image != "nginx:1" || back.Labels["app"] != "web" {
		t.Errorf("decoded template %+v", back)
	}

	one := int32(1)
	if HashRevisionData(data, &one) == hash {
		t.Error("collision count must change the hash")
	}
	tmpl.Spec.Containers[0].Image = "nginx:2"
	other, _ := TemplateRevisionData(tmpl)
	if HashRevisionData(other, nil) == hash || EqualRevisionData(data, other) {
		t.Error("different templates must differ")
	}
	if !EqualRevisionData(data, []byte(" "+string(data))) {
		t.Error("equal JSON with other spacing must be equal")
	}
}

func TestSortAndNextRevision(t *testing.T) {
	revs := []*appsv1.ControllerRevision{
		{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Revision: 3},
		{ObjectMeta: metav1.ObjectMeta{Name: "a"}, Revision: 1},
		{ObjectMeta: metav1.ObjectMeta{Name: "b"}, Revision: 2},
	}
	SortRevisions(revs)
	if revs[0].Name != "a" || revs[2].Name != "c" {
		t.Errorf("sorted %s,%s,%s", revs[0].Name, revs[1].Name, revs[2].Name)
	}
	if NextRevisionNumber(revs) != 4 || NextRevisionNumber(nil) != 1 {
		t.Error("wrong next revision number")
	}
}
