package apps

import (
	"reflect"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validStatefulSet() *appsv1.StatefulSet {
	s := &appsv1.StatefulSet{
		ObjectMeta: testMeta("db"),
		Spec: appsv1.StatefulSetSpec{
			ServiceName: "db",
			Selector:    &metav1.LabelSelector{MatchLabels: appLabels},
			Template:    testTemplate(appLabels),
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "data"},
			}},
		},
	}
	defaultStatefulSet(s)
	return s
}

func TestStatefulSetDefaults(t *testing.T) {
	s := &appsv1.StatefulSet{}
	defaultStatefulSet(s)
	retain := appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	want := appsv1.StatefulSetSpec{
		Replicas:            ptr(int32(1)),
		PodManagementPolicy: appsv1.OrderedReadyPodManagement,
		UpdateStrategy: appsv1.StatefulSetUpdateStrategy{
			Type:          appsv1.RollingUpdateStatefulSetStrategyType,
			RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: ptr(int32(0))},
		},
		PersistentVolumeClaimRetentionPolicy: &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
			WhenDeleted: retain, WhenScaled: retain,
		},
		RevisionHistoryLimit: ptr(int32(10)),
		Template:             s.Spec.Template,
	}
	if !reflect.DeepEqual(s.Spec, want) {
		t.Errorf("defaults = %+v\nwant %+v", s.Spec, want)
	}
	// OnDelete gets no rolling update block.
	s = &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{
		UpdateStrategy: appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}}}
	defaultStatefulSet(s)
	if s.Spec.UpdateStrategy.RollingUpdate != nil {
		t.Errorf("OnDelete got a rolling update: %+v", s.Spec.UpdateStrategy)
	}
}

func TestStatefulSetValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*appsv1.StatefulSet)
		want   []wantErr
	}{
		{"valid", func(*appsv1.StatefulSet) {}, nil},
		{"parallel on delete", func(s *appsv1.StatefulSet) {
			s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement
			s.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{Type: appsv1.OnDeleteStatefulSetStrategyType}
		}, nil},
		{"bad policy", func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = "Random" },
			[]wantErr{{field.ErrorTypeInvalid, "spec.podManagementPolicy"}}},
		{"no policy", func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = "" },
			[]wantErr{{field.ErrorTypeRequired, "spec.podManagementPolicy"}}},
		{"on delete with rolling", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType },
			[]wantErr{{field.ErrorTypeInvalid, "spec.updateStrategy.rollingUpdate"}}},
		{"bad strategy", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.Type = "Surge" },
			[]wantErr{{field.ErrorTypeInvalid, "spec.updateStrategy"}}},
		{"negative partition", func(s *appsv1.StatefulSet) { s.Spec.UpdateStrategy.RollingUpdate.Partition = ptr(int32(-1)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.updateStrategy.rollingUpdate.partition"}}},
		{"zero max unavailable", func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr(intstr.FromInt32(0))
		}, []wantErr{{field.ErrorTypeInvalid, "spec.updateStrategy.rollingUpdate.maxUnavailable"}}},
		{"bad retention", func(s *appsv1.StatefulSet) { s.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled = "Keep" },
			[]wantErr{{field.ErrorTypeNotSupported, "spec.persistentVolumeClaimRetentionPolicy.whenScaled"}}},
		{"negative ordinal", func(s *appsv1.StatefulSet) { s.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: -1} },
			[]wantErr{{field.ErrorTypeInvalid, "spec.ordinals.start"}}},
		{"empty selector", func(s *appsv1.StatefulSet) { s.Spec.Selector = &metav1.LabelSelector{} },
			[]wantErr{{field.ErrorTypeInvalid, "spec.selector"}}},
		{"mismatch", func(s *appsv1.StatefulSet) { s.Spec.Template.Labels = map[string]string{"app": "other"} },
			[]wantErr{{field.ErrorTypeInvalid, "spec.template.metadata.labels"}}},
		{"restart OnFailure", func(s *appsv1.StatefulSet) { s.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure },
			[]wantErr{{field.ErrorTypeNotSupported, "spec.template.spec.restartPolicy"}}},
		{"unnamed claim", func(s *appsv1.StatefulSet) { s.Spec.VolumeClaimTemplates[0].Name = "" },
			[]wantErr{{field.ErrorTypeRequired, "spec.volumeClaimTemplates[0].metadata.name"}}},
		{"duplicate claim", func(s *appsv1.StatefulSet) {
			s.Spec.VolumeClaimTemplates = append(s.Spec.VolumeClaimTemplates, s.Spec.VolumeClaimTemplates[0])
		}, []wantErr{{field.ErrorTypeDuplicate, "spec.volumeClaimTemplates[1].metadata.name"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := validStatefulSet()
			c.mutate(s)
			checkErrors(t, validateStatefulSet(s), c.want...)
		})
	}
}

func TestStatefulSetValidateUpdate(t *testing.T) {
	old := validStatefulSet()
	allowed := validStatefulSet()
	allowed.Spec.Replicas = ptr(int32(3))
	allowed.Spec.MinReadySeconds = 10
	allowed.Spec.Template.Spec.Containers[0].Image = "postgres:17"
	allowed.Spec.UpdateStrategy.RollingUpdate.Partition = ptr(int32(2))
	allowed.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted = appsv1.DeletePersistentVolumeClaimRetentionPolicyType
	allowed.Spec.Ordinals = &appsv1.StatefulSetOrdinals{Start: 5}
	checkErrors(t, validateStatefulSetUpdate(allowed, old))

	for name, mutate := range map[string]func(*appsv1.StatefulSet){
		"serviceName":    func(s *appsv1.StatefulSet) { s.Spec.ServiceName = "other" },
		"claimTemplates": func(s *appsv1.StatefulSet) { s.Spec.VolumeClaimTemplates[0].Name = "logs" },
		"policy":         func(s *appsv1.StatefulSet) { s.Spec.PodManagementPolicy = appsv1.ParallelPodManagement },
	} {
		t.Run(name, func(t *testing.T) {
			s := validStatefulSet()
			mutate(s)
			errs := validateStatefulSetUpdate(s, old)
			checkErrors(t, errs, wantErr{field.ErrorTypeForbidden, "spec"})
			if !strings.Contains(errs.ToAggregate().Error(), "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden") {
				t.Errorf("message = %v", errs)
			}
		})
	}
}

func TestStatefulSetRow(t *testing.T) {
	if got, want := columnNames(statefulSetColumns), []string{"Name", "Ready", "Age"}; !reflect.DeepEqual(got, want) {
		t.Errorf("columns = %v, want %v", got, want)
	}
	checkRow(t, statefulSetRow(&appsv1.StatefulSet{}), statefulSetColumns, "")
	s := validStatefulSet()
	s.Status.ReadyReplicas = 1
	row := statefulSetRow(s)
	checkRow(t, row, statefulSetColumns, "db")
	if row[1] != "1/1" || row[3] != "web,side" {
		t.Errorf("row = %#v", row)
	}
}
