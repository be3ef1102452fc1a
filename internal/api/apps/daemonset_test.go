package apps

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validDaemonSet() *appsv1.DaemonSet {
	ds := &appsv1.DaemonSet{
		ObjectMeta: testMeta("agent"),
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: appLabels},
			Template: testTemplate(appLabels),
		},
	}
	defaultDaemonSet(ds)
	return ds
}

func TestDaemonSetDefaults(t *testing.T) {
	ds := &appsv1.DaemonSet{}
	defaultDaemonSet(ds)
	one, zero := intstr.FromInt32(1), intstr.FromInt32(0)
	want := appsv1.DaemonSetUpdateStrategy{
		Type:          appsv1.RollingUpdateDaemonSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &one, MaxSurge: &zero},
	}
	if !reflect.DeepEqual(ds.Spec.UpdateStrategy, want) {
		t.Errorf("strategy = %+v, want %+v", ds.Spec.UpdateStrategy, want)
	}
	if ds.Spec.RevisionHistoryLimit == nil || *ds.Spec.RevisionHistoryLimit != 10 {
		t.Errorf("revisionHistoryLimit = %v", ds.Spec.RevisionHistoryLimit)
	}
}

func TestDaemonSetValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*appsv1.DaemonSet)
		want   []wantErr
	}{
		{"valid", func(*appsv1.DaemonSet) {}, nil},
		{"surge instead", func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{
				MaxUnavailable: ptr(intstr.FromInt32(0)), MaxSurge: ptr(intstr.FromString("10%"))}
		}, nil},
		{"on delete", func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
		}, nil},
		{"both set", func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge = ptr(intstr.FromInt32(1)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.updateStrategy.rollingUpdate.maxSurge"}}},
		{"both zero", func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr(intstr.FromString("0%"))
		},
			[]wantErr{{field.ErrorTypeInvalid, "spec.updateStrategy.rollingUpdate.maxUnavailable"}}},
		{"no rolling update", func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy.RollingUpdate = nil },
			[]wantErr{{field.ErrorTypeRequired, "spec.updateStrategy.rollingUpdate"}}},
		{"bad type", func(ds *appsv1.DaemonSet) { ds.Spec.UpdateStrategy.Type = "Blue" },
			[]wantErr{{field.ErrorTypeNotSupported, "spec.updateStrategy.type"}}},
		{"empty selector", func(ds *appsv1.DaemonSet) { ds.Spec.Selector = &metav1.LabelSelector{} },
			[]wantErr{{field.ErrorTypeInvalid, "spec.selector"}}},
		{"mismatch", func(ds *appsv1.DaemonSet) { ds.Spec.Template.Labels = map[string]string{"x": "y"} },
			[]wantErr{{field.ErrorTypeInvalid, "spec.template.metadata.labels"}}},
		{"deadline", func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.ActiveDeadlineSeconds = ptr(int64(3)) },
			[]wantErr{{field.ErrorTypeForbidden, "spec.template.spec.activeDeadlineSeconds"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := validDaemonSet()
			c.mutate(ds)
			checkErrors(t, validateDaemonSet(ds), c.want...)
		})
	}
}

func TestDaemonSetValidateUpdate(t *testing.T) {
	old := validDaemonSet()
	ds := validDaemonSet()
	ds.Spec.Template.Spec.Containers[0].Image = "agent:2"
	checkErrors(t, validateDaemonSetUpdate(ds, old))
	ds.Spec.Selector.MatchLabels = map[string]string{"app": "web", "v": "2"}
	ds.Spec.Template.Labels = map[string]string{"app": "web", "v": "2"}
	checkErrors(t, validateDaemonSetUpdate(ds, old), wantErr{field.ErrorTypeInvalid, "spec.selector"})
}

func TestDaemonSetRow(t *testing.T) {
	want := []string{"Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age"}
	if got := columnNames(daemonSetColumns); !reflect.DeepEqual(got, want) {
		t.Errorf("columns = %v, want %v", got, want)
	}
	checkRow(t, daemonSetRow(&appsv1.DaemonSet{}), daemonSetColumns, "")
	ds := validDaemonSet()
	ds.Spec.Template.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "linux"}
	ds.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2}
	row := daemonSetRow(ds)
	checkRow(t, row, daemonSetColumns, "agent")
	if row[1] != int64(3) || row[3] != int64(2) || row[6] != "kubernetes.io/os=linux" {
		t.Errorf("row = %#v", row)
	}
	if empty := daemonSetRow(&appsv1.DaemonSet{}); empty[6] != "<none>" {
		t.Errorf("node selector of empty = %v", empty[6])
	}
}
