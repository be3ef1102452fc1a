package scheduling

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func validClass() *schedulingv1.PriorityClass {
	return &schedulingv1.PriorityClass{
		ObjectMeta: metav1.ObjectMeta{Name: "high", ResourceVersion: "1"},
		Value:      1000,
	}
}

func TestRegister(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	k, ok := r.Lookup(schedulingv1.SchemeGroupVersion.WithResource("priorityclasses"))
	if !ok || k.Namespaced || len(k.ShortNames) != 1 || k.ShortNames[0] != "pc" {
		t.Fatalf("priorityclasses: registered=%v, must be cluster-scoped with short name pc: %+v", ok, k)
	}
	if got := fmt.Sprintf("%T/%T", k.New(), k.NewList()); got != "*v1.PriorityClass/*v1.PriorityClassList" {
		t.Errorf("New/NewList give %s", got)
	}
	for _, obj := range []*schedulingv1.PriorityClass{{}, validClass()} {
		if cells := k.Row(obj); len(cells) != len(k.Columns) {
			t.Errorf("%d cells for %d columns", len(cells), len(k.Columns))
		}
	}
}

func TestDefault(t *testing.T) {
	pc := validClass()
	defaultPriorityClass(pc)
	if pc.PreemptionPolicy == nil || *pc.PreemptionPolicy != corev1.PreemptLowerPriority {
		t.Errorf("preemptionPolicy = %v, want PreemptLowerPriority", pc.PreemptionPolicy)
	}
	never := corev1.PreemptNever
	pc.PreemptionPolicy = &never
	defaultPriorityClass(pc)
	if *pc.PreemptionPolicy != corev1.PreemptNever {
		t.Error("explicit preemptionPolicy overwritten")
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name      string
		mutate    func(*schedulingv1.PriorityClass)
		wantType  field.ErrorType
		wantField string
	}{
		{"valid", func(*schedulingv1.PriorityClass) {}, "", ""},
		{"highest user value", func(pc *schedulingv1.PriorityClass) { pc.Value = HighestUserDefinablePriority }, "", ""},
		{"known system class", func(pc *schedulingv1.PriorityClass) {
			pc.Name, pc.Value = "system-node-critical", SystemCriticalPriority+1000
		}, "", ""},
		{"user value too high", func(pc *schedulingv1.PriorityClass) { pc.Value = HighestUserDefinablePriority + 1 }, field.ErrorTypeForbidden, "value"},
		{"unknown system class", func(pc *schedulingv1.PriorityClass) { pc.Name = "system-mine" }, field.ErrorTypeForbidden, "metadata.name"},
		{"system class wrong value", func(pc *schedulingv1.PriorityClass) { pc.Name = "system-cluster-critical" }, field.ErrorTypeForbidden, "metadata.name"},
		{"system class global default", func(pc *schedulingv1.PriorityClass) {
			pc.Name, pc.Value, pc.GlobalDefault = "system-cluster-critical", SystemCriticalPriority, true
		}, field.ErrorTypeForbidden, "metadata.name"},
		{"bad policy", func(pc *schedulingv1.PriorityClass) {
			p := corev1.PreemptionPolicy("Always")
			pc.PreemptionPolicy = &p
		}, field.ErrorTypeNotSupported, "preemptionPolicy"},
		{"empty policy", func(pc *schedulingv1.PriorityClass) {
			p := corev1.PreemptionPolicy("")
			pc.PreemptionPolicy = &p
		}, field.ErrorTypeRequired, "preemptionPolicy"},
		{"namespaced", func(pc *schedulingv1.PriorityClass) { pc.Namespace = "default" }, field.ErrorTypeForbidden, "metadata.namespace"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pc := validClass()
			defaultPriorityClass(pc)
			c.mutate(pc)
			errs := validatePriorityClass(pc)
			if c.wantField == "" {
				if len(errs) != 0 {
					t.Fatalf("want no errors, got %v", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Type != c.wantType || errs[0].Field != c.wantField {
				t.Fatalf("want %s on %s, got %v", c.wantType, c.wantField, errs)
			}
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	old := validClass()
	defaultPriorityClass(old)
	cases := []struct {
		name      string
		mutate    func(*schedulingv1.PriorityClass)
		wantType  field.ErrorType
		wantField string
	}{
		{"description change", func(pc *schedulingv1.PriorityClass) { pc.Description = "x" }, "", ""},
		{"value change", func(pc *schedulingv1.PriorityClass) { pc.Value++ }, field.ErrorTypeForbidden, "value"},
		{"policy change", func(pc *schedulingv1.PriorityClass) {
			p := corev1.PreemptNever
			pc.PreemptionPolicy = &p
		}, field.ErrorTypeInvalid, "preemptionPolicy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pc := old.DeepCopy()
			c.mutate(pc)
			errs := validatePriorityClassUpdate(pc, old)
			if c.wantField == "" {
				if len(errs) != 0 {
					t.Fatalf("want no errors, got %v", errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Type != c.wantType || errs[0].Field != c.wantField {
				t.Fatalf("want %s on %s, got %v", c.wantType, c.wantField, errs)
			}
		})
	}
}

func TestRow(t *testing.T) {
	pc := validClass()
	defaultPriorityClass(pc)
	pc.GlobalDefault = true
	pc.CreationTimestamp = metav1.NewTime(time.Now().Add(-5 * time.Minute))
	got := row(pc)
	want := []any{"high", int64(1000), true, "5m", "PreemptLowerPriority"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d (%s) = %v, want %v", i, columns[i].Name, got[i], want[i])
		}
	}
}
