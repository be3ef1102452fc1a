package apps

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validReplicaSet() *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: testMeta("web-5d8f"),
		Spec: appsv1.ReplicaSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: appLabels},
			Template: testTemplate(appLabels),
		},
	}
	defaultReplicaSet(rs)
	return rs
}

func TestReplicaSetDefaults(t *testing.T) {
	rs := &appsv1.ReplicaSet{}
	defaultReplicaSet(rs)
	if rs.Spec.Replicas == nil || *rs.Spec.Replicas != 1 {
		t.Errorf("replicas = %v, want 1", rs.Spec.Replicas)
	}
}

func TestReplicaSetValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*appsv1.ReplicaSet)
		want   []wantErr
	}{
		{"valid", func(*appsv1.ReplicaSet) {}, nil},
		{"negative replicas", func(rs *appsv1.ReplicaSet) { rs.Spec.Replicas = ptr(int32(-2)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.replicas"}}},
		{"no selector", func(rs *appsv1.ReplicaSet) { rs.Spec.Selector = nil },
			[]wantErr{{field.ErrorTypeRequired, "spec.selector"}}},
		{"empty selector", func(rs *appsv1.ReplicaSet) { rs.Spec.Selector = &metav1.LabelSelector{} },
			[]wantErr{{field.ErrorTypeInvalid, "spec.selector"}}},
		{"mismatch", func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Labels = nil },
			[]wantErr{{field.ErrorTypeInvalid, "spec.template.metadata.labels"}}},
		{"no containers", func(rs *appsv1.ReplicaSet) { rs.Spec.Template.Spec.Containers = nil },
			[]wantErr{{field.ErrorTypeRequired, "spec.template.spec.containers"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs := validReplicaSet()
			c.mutate(rs)
			checkErrors(t, validateReplicaSet(rs), c.want...)
		})
	}
}

func TestReplicaSetValidateUpdate(t *testing.T) {
	old := validReplicaSet()
	rs := validReplicaSet()
	rs.Spec.Replicas = ptr(int32(4))
	rs.Status = appsv1.ReplicaSetStatus{Replicas: 4, ReadyReplicas: 3, AvailableReplicas: 2}
	checkErrors(t, validateReplicaSetUpdate(rs, old))

	rs.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "x": "y"}}
	rs.Spec.Template.Labels = map[string]string{"app": "web", "x": "y"}
	checkErrors(t, validateReplicaSetUpdate(rs, old), wantErr{field.ErrorTypeInvalid, "spec.selector"})

	bad := validReplicaSet()
	bad.Status = appsv1.ReplicaSetStatus{Replicas: 1, ReadyReplicas: 2, AvailableReplicas: 3}
	checkErrors(t, validateReplicaSetUpdate(bad, old),
		wantErr{field.ErrorTypeInvalid, "status.readyReplicas"}, wantErr{field.ErrorTypeInvalid, "status.availableReplicas"})
}

func TestReplicaSetRowAndFields(t *testing.T) {
	if got, want := columnNames(replicaSetColumns), []string{"Name", "Desired", "Current", "Ready", "Age"}; !reflect.DeepEqual(got, want) {
		t.Errorf("columns = %v, want %v", got, want)
	}
	checkRow(t, replicaSetRow(&appsv1.ReplicaSet{}), replicaSetColumns, "")
	rs := validReplicaSet()
	rs.Status = appsv1.ReplicaSetStatus{Replicas: 1, ReadyReplicas: 1}
	row := replicaSetRow(rs)
	checkRow(t, row, replicaSetColumns, "web-5d8f")
	if row[1] != int64(1) || row[2] != int64(1) || row[3] != int64(1) || row[7] != "app=web" {
		t.Errorf("row = %#v", row)
	}
	k := replicaSetKind()
	if got := k.Fields(rs); !reflect.DeepEqual(got, fields.Set{"status.replicas": "1"}) {
		t.Errorf("fields = %v", got)
	}
}
