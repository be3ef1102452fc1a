package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// defaultBinding fills the API groups clients may leave out: the roleRef
// always points into RBAC, and users and groups are RBAC subjects while
// service accounts are core ones.
func defaultBinding(ref *rbacv1.RoleRef, subjects []rbacv1.Subject) {
	if ref.APIGroup == "" {
		ref.APIGroup = Group
	}
	for i := range subjects {
		s := &subjects[i]
		if s.APIGroup == "" && (s.Kind == rbacv1.UserKind || s.Kind == rbacv1.GroupKind) {
			s.APIGroup = Group
		}
	}
}

func validateRoleBinding(b *rbacv1.RoleBinding) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessor(b, true, validateName, field.NewPath("metadata"))
	allErrs = append(allErrs, validateRoleRef(b.RoleRef, []string{"Role", "ClusterRole"})...)
	return append(allErrs, validateSubjects(b.Subjects, true)...)
}

func validateRoleBindingUpdate(b, old *rbacv1.RoleBinding) field.ErrorList {
	allErrs := validateRoleBinding(b)
	allErrs = append(allErrs, apimachineryvalidation.ValidateObjectMetaAccessorUpdate(b, old, field.NewPath("metadata"))...)
	return append(allErrs, validateRoleRefUnchanged(b.RoleRef, old.RoleRef)...)
}

func validateClusterRoleBinding(b *rbacv1.ClusterRoleBinding) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessor(b, false, validateName, field.NewPath("metadata"))
	allErrs = append(allErrs, validateRoleRef(b.RoleRef, []string{"ClusterRole"})...)
	return append(allErrs, validateSubjects(b.Subjects, false)...)
}

func validateClusterRoleBindingUpdate(b, old *rbacv1.ClusterRoleBinding) field.ErrorList {
	allErrs := validateClusterRoleBinding(b)
	allErrs = append(allErrs, apimachineryvalidation.ValidateObjectMetaAccessorUpdate(b, old, field.NewPath("metadata"))...)
	return append(allErrs, validateRoleRefUnchanged(b.RoleRef, old.RoleRef)...)
}

// validateRoleRefUnchanged: a binding's meaning is its role; changing it in
// place would let one grant bypass the escalation checks of a new binding.
func validateRoleRefUnchanged(ref, old rbacv1.RoleRef) field.ErrorList {
	if ref != old {
		return field.ErrorList{field.Invalid(field.NewPath("roleRef"), ref, "cannot change roleRef")}
	}
	return nil
}

func validateRoleRef(ref rbacv1.RoleRef, kinds []string) field.ErrorList {
	var allErrs field.ErrorList
	refPath := field.NewPath("roleRef")
	if ref.APIGroup != Group {
		allErrs = append(allErrs, field.NotSupported(refPath.Child("apiGroup"), ref.APIGroup, []string{Group}))
	}
	if !contains(kinds, ref.Kind) {
		allErrs = append(allErrs, field.NotSupported(refPath.Child("kind"), ref.Kind, kinds))
	}
	if ref.Name == "" {
		return append(allErrs, field.Required(refPath.Child("name"), ""))
	}
	for _, msg := range validateName(ref.Name, false) {
		allErrs = append(allErrs, field.Invalid(refPath.Child("name"), ref.Name, msg))
	}
	return allErrs
}

func validateSubjects(subjects []rbacv1.Subject, namespaced bool) field.ErrorList {
	var allErrs field.ErrorList
	for i := range subjects {
		allErrs = append(allErrs, validateSubject(&subjects[i], namespaced, field.NewPath("subjects").Index(i))...)
	}
	return allErrs
}

// validateSubject checks one subject. A service account in a cluster
// binding must name its namespace; in a role binding it defaults to the
// binding's own.
func validateSubject(s *rbacv1.Subject, namespaced bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if s.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), ""))
	}
	switch s.Kind {
	case rbacv1.ServiceAccountKind:
		if s.Name != "" {
			for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(s.Name, false) {
				allErrs = append(allErrs, field.Invalid(fldPath.Child("name"), s.Name, msg))
			}
		}
		if s.APIGroup != "" {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("apiGroup"), s.APIGroup, []string{""}))
		}
		if !namespaced && s.Namespace == "" {
			allErrs = append(allErrs, field.Required(fldPath.Child("namespace"), ""))
		}
	case rbacv1.UserKind, rbacv1.GroupKind:
		if s.APIGroup != Group {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("apiGroup"), s.APIGroup, []string{Group}))
		}
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("kind"), s.Kind,
			[]string{rbacv1.ServiceAccountKind, rbacv1.UserKind, rbacv1.GroupKind}))
	}
	return allErrs
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
