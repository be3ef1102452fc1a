package apps

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// wantErr names one expected validation error.
type wantErr struct {
	typ  field.ErrorType
	path string
}

// checkErrors fails unless errs is empty when want is, and otherwise
// contains every wanted error.
func checkErrors(t *testing.T, errs field.ErrorList, want ...wantErr) {
	t.Helper()
	if len(want) == 0 {
		if len(errs) != 0 {
			t.Fatalf("want no errors, got %v", errs)
		}
		return
	}
	for _, w := range want {
		found := false
		for _, e := range errs {
			if e.Type == w.typ && e.Field == w.path {
				found = true
			}
		}
		if !found {
			t.Errorf("want %s at %s, got %v", w.typ, w.path, errs)
		}
	}
}

func testMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: "default", UID: "uid-1", ResourceVersion: "1"}
}

func testTemplate(labels map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyAlways,
			Containers:    []corev1.Container{{Name: "web", Image: "nginx:1.27"}, {Name: "side", Image: "busybox"}},
		},
	}
}

var appLabels = map[string]string{"app": "web"}

// checkRow asserts a row has one cell per column and the name first.
func checkRow(t *testing.T, row []any, cols []metav1.TableColumnDefinition, name string) {
	t.Helper()
	if len(row) != len(cols) {
		t.Fatalf("row has %d cells, want %d: %v", len(row), len(cols), row)
	}
	if row[0] != name {
		t.Errorf("first cell = %v, want %q", row[0], name)
	}
}

func columnNames(cols []metav1.TableColumnDefinition) []string {
	var out []string
	for _, c := range cols {
		if c.Priority == 0 {
			out = append(out, c.Name)
		}
	}
	return out
}
