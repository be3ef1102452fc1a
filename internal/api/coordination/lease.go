// Package coordination describes the coordination.k8s.io/v1 kinds.
package coordination

import (
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

// Register adds Lease to r.
func Register(r *api.Registry) {
	r.Add(api.Def[*coordinationv1.Lease, *coordinationv1.LeaseList]{
		Group: "coordination.k8s.io", Version: "v1", Kind: "Lease",
		Resource: "leases", Singular: "lease",
		Namespaced:       true,
		New:              func() *coordinationv1.Lease { return &coordinationv1.Lease{} },
		NewList:          func() *coordinationv1.LeaseList { return &coordinationv1.LeaseList{} },
		Validate:         validateLease,
		ValidateUpdate:   validateLeaseUpdate,
		PrepareForCreate: prepareForCreate,
		PrepareForUpdate: prepareForUpdate,
		Columns:          columns,
		Row:              row,
	}.Build())
}

// prepareForCreate drops strategy and preferredHolder: they belong to the
// CoordinatedLeaderElection feature, alpha and off in Kubernetes 1.32.
func prepareForCreate(l *coordinationv1.Lease) {
	l.Spec.Strategy = nil
	l.Spec.PreferredHolder = nil
}

// prepareForUpdate drops the alpha fields unless the old object already had
// them (the feature was on when it was written).
func prepareForUpdate(l, old *coordinationv1.Lease) {
	if old.Spec.Strategy == nil {
		l.Spec.Strategy = nil
	}
	if old.Spec.PreferredHolder == nil {
		l.Spec.PreferredHolder = nil
	}
}

func validateLease(l *coordinationv1.Lease) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessor(l, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, validateSpec(&l.Spec, field.NewPath("spec"))...)
}

func validateLeaseUpdate(l, old *coordinationv1.Lease) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessorUpdate(l, old, field.NewPath("metadata"))
	return append(allErrs, validateLease(l)...)
}

func validateSpec(spec *coordinationv1.LeaseSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if d := spec.LeaseDurationSeconds; d != nil && *d <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("leaseDurationSeconds"), *d, "must be greater than 0"))
	}
	if n := spec.LeaseTransitions; n != nil && *n < 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("leaseTransitions"), *n, "must be greater than or equal to 0"))
	}
	if spec.PreferredHolder != nil && *spec.PreferredHolder != "" && (spec.Strategy == nil || *spec.Strategy == "") {
		allErrs = append(allErrs, field.Forbidden(fldPath.Child("preferredHolder"), "may only be specified if `strategy` is defined"))
	}
	return allErrs
}

var (
	objectMetaDoc = metav1.ObjectMeta{}.SwaggerDoc()
	columns       = []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: objectMetaDoc["name"]},
		{Name: "Holder", Type: "string", Description: coordinationv1.LeaseSpec{}.SwaggerDoc()["holderIdentity"]},
		{Name: "Age", Type: "string", Description: objectMetaDoc["creationTimestamp"]},
	}
)

func row(l *coordinationv1.Lease) []any {
	holder := ""
	if l.Spec.HolderIdentity != nil {
		holder = *l.Spec.HolderIdentity
	}
	return []any{l.Name, holder, age(l.CreationTimestamp)}
}

// age is kubectl's AGE cell: "<unknown>" for an unset timestamp.
func age(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}
