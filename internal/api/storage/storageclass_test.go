package storage

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func ptr[T any](v T) *T { return &v }

func validClass() *storagev1.StorageClass {
	return &storagev1.StorageClass{
		ObjectMeta:  metav1.ObjectMeta{Name: "local", ResourceVersion: "1"},
		Provisioner: "rudder.io/local-path",
		Parameters:  map[string]string{"path": "/var/lib/rudder/volumes"},
		AllowedTopologies: []corev1.TopologySelectorTerm{{MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{
			{Key: "topology.kubernetes.io/zone", Values: []string{"a", "b"}},
		}}},
	}
}

type wantErr struct {
	Type  field.ErrorType
	Field string
}

func checkErrs(t *testing.T, errs field.ErrorList, want wantErr) {
	t.Helper()
	if want.Field == "" {
		if len(errs) != 0 {
			t.Fatalf("want no errors, got %v", errs)
		}
		return
	}
	for _, e := range errs {
		if e.Type == want.Type && e.Field == want.Field {
			return
		}
	}
	t.Fatalf("want %s on %s, got %v", want.Type, want.Field, errs)
}

func TestRegister(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	k, ok := r.Lookup(storagev1.SchemeGroupVersion.WithResource("storageclasses"))
	if !ok || k.Namespaced || len(k.ShortNames) != 1 || k.ShortNames[0] != "sc" {
		t.Fatalf("storageclasses: registered=%v, must be cluster-scoped with short name sc", ok)
	}
	if got := fmt.Sprintf("%T/%T", k.New(), k.NewList()); got != "*v1.StorageClass/*v1.StorageClassList" {
		t.Errorf("New/NewList give %s", got)
	}
	for _, obj := range []*storagev1.StorageClass{{}, validClass()} {
		if cells := k.Row(obj); len(cells) != len(k.Columns) {
			t.Errorf("%d cells for %d columns", len(cells), len(k.Columns))
		}
	}
}

func TestDefault(t *testing.T) {
	sc := validClass()
	defaultStorageClass(sc)
	if *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimDelete || *sc.VolumeBindingMode != storagev1.VolumeBindingImmediate {
		t.Errorf("defaults: reclaimPolicy %s volumeBindingMode %s", *sc.ReclaimPolicy, *sc.VolumeBindingMode)
	}
	sc = validClass()
	sc.ReclaimPolicy = ptr(corev1.PersistentVolumeReclaimRetain)
	sc.VolumeBindingMode = ptr(storagev1.VolumeBindingWaitForFirstConsumer)
	defaultStorageClass(sc)
	if *sc.ReclaimPolicy != corev1.PersistentVolumeReclaimRetain || *sc.VolumeBindingMode != storagev1.VolumeBindingWaitForFirstConsumer {
		t.Error("explicit values overwritten")
	}
}

func TestValidate(t *testing.T) {
	const expr0 = "allowedTopologies[0].matchLabelExpressions[0]"
	cases := []struct {
		name   string
		mutate func(*storagev1.StorageClass)
		want   wantErr
	}{
		{"valid", func(*storagev1.StorageClass) {}, wantErr{}},
		{"upper-case provisioner", func(sc *storagev1.StorageClass) { sc.Provisioner = "Example.com/Disk" }, wantErr{}},
		{"provisioner missing", func(sc *storagev1.StorageClass) { sc.Provisioner = "" }, wantErr{field.ErrorTypeRequired, "provisioner"}},
		{"provisioner invalid", func(sc *storagev1.StorageClass) { sc.Provisioner = "a b" }, wantErr{field.ErrorTypeInvalid, "provisioner"}},
		{"empty parameter key", func(sc *storagev1.StorageClass) { sc.Parameters[""] = "x" }, wantErr{field.ErrorTypeInvalid, "parameters"}},
		{"parameters too large", func(sc *storagev1.StorageClass) { sc.Parameters["big"] = strings.Repeat("x", maxParameterSize) }, wantErr{field.ErrorTypeTooLong, "parameters"}},
		{"bad reclaim policy", func(sc *storagev1.StorageClass) { sc.ReclaimPolicy = ptr(corev1.PersistentVolumeReclaimRecycle) }, wantErr{field.ErrorTypeNotSupported, "reclaimPolicy"}},
		{"bad binding mode", func(sc *storagev1.StorageClass) { sc.VolumeBindingMode = ptr(storagev1.VolumeBindingMode("Later")) }, wantErr{field.ErrorTypeNotSupported, "volumeBindingMode"}},
		{"binding mode missing", func(sc *storagev1.StorageClass) { sc.VolumeBindingMode = nil }, wantErr{field.ErrorTypeRequired, "volumeBindingMode"}},
		{"topology without values", func(sc *storagev1.StorageClass) {
			sc.AllowedTopologies[0].MatchLabelExpressions[0].Values = nil
		}, wantErr{field.ErrorTypeRequired, expr0 + ".values"}},
		{"topology duplicate value", func(sc *storagev1.StorageClass) {
			sc.AllowedTopologies[0].MatchLabelExpressions[0].Values = []string{"a", "a"}
		}, wantErr{field.ErrorTypeDuplicate, expr0 + ".values[1]"}},
		{"topology bad key", func(sc *storagev1.StorageClass) {
			sc.AllowedTopologies[0].MatchLabelExpressions[0].Key = "a b"
		}, wantErr{field.ErrorTypeInvalid, expr0 + ".key"}},
		{"topology duplicate key", func(sc *storagev1.StorageClass) {
			e := sc.AllowedTopologies[0].MatchLabelExpressions
			sc.AllowedTopologies[0].MatchLabelExpressions = append(e, e[0])
		}, wantErr{field.ErrorTypeDuplicate, "allowedTopologies[0].matchLabelExpressions[1].key"}},
		{"topology duplicate term", func(sc *storagev1.StorageClass) {
			term := *sc.AllowedTopologies[0].DeepCopy()
			term.MatchLabelExpressions[0].Values = []string{"b", "a"}
			sc.AllowedTopologies = append(sc.AllowedTopologies, term)
		}, wantErr{field.ErrorTypeDuplicate, "allowedTopologies[1].matchLabelExpressions"}},
		{"namespaced", func(sc *storagev1.StorageClass) { sc.Namespace = "default" }, wantErr{field.ErrorTypeForbidden, "metadata.namespace"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := validClass()
			defaultStorageClass(sc)
			c.mutate(sc)
			checkErrs(t, validateStorageClass(sc), c.want)
		})
	}
}

func TestValidateUpdate(t *testing.T) {
	old := validClass()
	defaultStorageClass(old)
	cases := []struct {
		name   string
		mutate func(*storagev1.StorageClass)
		want   wantErr
	}{
		{"allow expansion", func(sc *storagev1.StorageClass) { sc.AllowVolumeExpansion = ptr(true) }, wantErr{}},
		{"default annotation", func(sc *storagev1.StorageClass) {
			sc.Annotations = map[string]string{IsDefaultClassAnnotation: "true"}
		}, wantErr{}},
		{"parameters", func(sc *storagev1.StorageClass) { sc.Parameters["path"] = "/other" }, wantErr{field.ErrorTypeForbidden, "parameters"}},
		{"provisioner", func(sc *storagev1.StorageClass) { sc.Provisioner = "other.io/x" }, wantErr{field.ErrorTypeForbidden, "provisioner"}},
		{"reclaimPolicy", func(sc *storagev1.StorageClass) { sc.ReclaimPolicy = ptr(corev1.PersistentVolumeReclaimRetain) }, wantErr{field.ErrorTypeForbidden, "reclaimPolicy"}},
		{"volumeBindingMode", func(sc *storagev1.StorageClass) {
			sc.VolumeBindingMode = ptr(storagev1.VolumeBindingWaitForFirstConsumer)
		}, wantErr{field.ErrorTypeInvalid, "volumeBindingMode"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := old.DeepCopy()
			c.mutate(sc)
			checkErrs(t, validateStorageClassUpdate(sc, old), c.want)
		})
	}
}

func TestRow(t *testing.T) {
	sc := validClass()
	defaultStorageClass(sc)
	sc.CreationTimestamp = metav1.NewTime(time.Now().Add(-10 * time.Second))
	want := []any{"local", "rudder.io/local-path", "Delete", "Immediate", false, "10s"}
	got := row(sc)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d (%s) = %v, want %v", i, columns[i].Name, got[i], want[i])
		}
	}
	for _, ann := range []string{IsDefaultClassAnnotation, BetaIsDefaultClassAnnotation} {
		sc.Annotations = map[string]string{ann: "true"}
		if got := row(sc)[0]; got != "local (default)" {
			t.Errorf("with %s: name cell = %v", ann, got)
		}
	}
	sc.Annotations = map[string]string{IsDefaultClassAnnotation: "false"}
	if got := row(sc)[0]; got != "local" {
		t.Errorf("with is-default-class=false: name cell = %v", got)
	}
}
