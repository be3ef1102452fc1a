package apps

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validRevision() *appsv1.ControllerRevision {
	isController := true
	cr := &appsv1.ControllerRevision{
		ObjectMeta: testMeta("db-7c9f"),
		Data:       runtime.RawExtension{Raw: []byte(`{"spec":{}}`)},
		Revision:   2,
	}
	cr.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", UID: "u", Controller: &isController}}
	return cr
}

func TestControllerRevisionValidate(t *testing.T) {
	checkErrors(t, validateControllerRevision(validRevision()))

	noData := validRevision()
	noData.Data = runtime.RawExtension{}
	checkErrors(t, validateControllerRevision(noData), wantErr{field.ErrorTypeRequired, "data"})

	negative := validRevision()
	negative.Revision = -1
	checkErrors(t, validateControllerRevision(negative), wantErr{field.ErrorTypeInvalid, "revision"})

	old := validRevision()
	renumbered := validRevision()
	renumbered.Revision = 5
	checkErrors(t, validateControllerRevisionUpdate(renumbered, old))
	changed := validRevision()
	changed.Data.Raw = []byte(`{"spec":{"x":1}}`)
	checkErrors(t, validateControllerRevisionUpdate(changed, old), wantErr{field.ErrorTypeInvalid, "data"})
}

func TestControllerRevisionRow(t *testing.T) {
	checkRow(t, controllerRevisionRow(&appsv1.ControllerRevision{}), controllerRevisionColumns, "")
	if got := controllerRevisionRow(&appsv1.ControllerRevision{})[1]; got != "<none>" {
		t.Errorf("controller of orphan = %v", got)
	}
	row := controllerRevisionRow(validRevision())
	checkRow(t, row, controllerRevisionColumns, "db-7c9f")
	if row[1] != "statefulset.apps/db" || row[2] != int64(2) {
		t.Errorf("row = %#v", row)
	}
}
