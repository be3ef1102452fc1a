package coordination

import (
	"fmt"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func ptr[T any](v T) *T { return &v }

func validLease() *coordinationv1.Lease {
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1", Namespace: "kube-node-lease", ResourceVersion: "1"},
		Spec: coordinationv1.LeaseSpec{
			HolderIdentity:       ptr("node-1"),
			LeaseDurationSeconds: ptr(int32(40)),
			LeaseTransitions:     ptr(int32(0)),
		},
	}
}

func TestRegister(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	k, ok := r.Lookup(coordinationv1.SchemeGroupVersion.WithResource("leases"))
	if !ok || !k.Namespaced {
		t.Fatalf("leases registered=%v, must be namespaced", ok)
	}
	if got := fmt.Sprintf("%T/%T", k.New(), k.NewList()); got != "*v1.Lease/*v1.LeaseList" {
		t.Errorf("New/NewList give %s", got)
	}
	for _, obj := range []*coordinationv1.Lease{{}, validLease()} {
		if cells := k.Row(obj); len(cells) != len(k.Columns) {
			t.Errorf("%d cells for %d columns", len(cells), len(k.Columns))
		}
	}
}

func TestValidateLease(t *testing.T) {
	cases := []struct {
		name      string
		mutate    func(*coordinationv1.Lease)
		wantType  field.ErrorType
		wantField string
	}{
		{"valid", func(*coordinationv1.Lease) {}, "", ""},
		{"zero duration", func(l *coordinationv1.Lease) { l.Spec.LeaseDurationSeconds = ptr(int32(0)) }, field.ErrorTypeInvalid, "spec.leaseDurationSeconds"},
		{"negative transitions", func(l *coordinationv1.Lease) { l.Spec.LeaseTransitions = ptr(int32(-1)) }, field.ErrorTypeInvalid, "spec.leaseTransitions"},
		{"preferred holder without strategy", func(l *coordinationv1.Lease) { l.Spec.PreferredHolder = ptr("x") }, field.ErrorTypeForbidden, "spec.preferredHolder"},
		{"no namespace", func(l *coordinationv1.Lease) { l.Namespace = "" }, field.ErrorTypeRequired, "metadata.namespace"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := validLease()
			c.mutate(l)
			errs := validateLease(l)
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
	l := validLease()
	l.Spec.HolderIdentity = ptr("node-2")
	if errs := validateLeaseUpdate(l, validLease()); len(errs) != 0 {
		t.Errorf("holder change refused: %v", errs)
	}
}

func TestAlphaFieldsDropped(t *testing.T) {
	l := validLease()
	l.Spec.Strategy = ptr(coordinationv1.OldestEmulationVersion)
	l.Spec.PreferredHolder = ptr("node-2")
	prepareForCreate(l)
	if l.Spec.Strategy != nil || l.Spec.PreferredHolder != nil {
		t.Errorf("create kept alpha fields: %+v", l.Spec)
	}
	old := validLease()
	old.Spec.Strategy = ptr(coordinationv1.OldestEmulationVersion)
	upd := old.DeepCopy()
	upd.Spec.PreferredHolder = ptr("node-2")
	prepareForUpdate(upd, old)
	if upd.Spec.Strategy == nil {
		t.Error("update dropped a strategy the old object had")
	}
	if upd.Spec.PreferredHolder != nil {
		t.Error("update kept a new preferredHolder")
	}
}

func TestRow(t *testing.T) {
	l := validLease()
	l.CreationTimestamp = metav1.NewTime(time.Now().Add(-3 * 24 * time.Hour))
	got := row(l)
	if got[0] != "node-1" || got[1] != "node-1" || got[2] != "3d" {
		t.Errorf("row = %v", got)
	}
	if got := row(&coordinationv1.Lease{}); got[1] != "" || got[2] != "<unknown>" {
		t.Errorf("empty row = %v", got)
	}
}
