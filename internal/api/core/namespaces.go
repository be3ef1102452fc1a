package core

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func namespaceKind() *api.Kind {
	return api.Def[*corev1.Namespace, *corev1.NamespaceList]{
		Version: coreVersion, Kind: "Namespace",
		Resource: "namespaces", Singular: "namespace",
		ShortNames:       []string{"ns"},
		Subresources:     []string{"status", "finalize"},
		New:              func() *corev1.Namespace { return &corev1.Namespace{} },
		NewList:          func() *corev1.NamespaceList { return &corev1.NamespaceList{} },
		Default:          defaultNamespace,
		Validate:         validateNamespace,
		ValidateUpdate:   validateNamespaceUpdate,
		PrepareForCreate: prepareNamespaceCreate,
		PrepareForUpdate: prepareNamespaceUpdate,
		Columns:          namespaceColumns,
		Row:              namespaceRow,
		Fields:           namespaceFields,
	}.Build()
}

// defaultNamespace labels every namespace with its own name, so namespace
// selectors can pick namespaces by name.
func defaultNamespace(ns *corev1.Namespace) {
	if ns.Name == "" {
		return
	}
	if ns.Labels == nil {
		ns.Labels = map[string]string{}
	}
	ns.Labels[corev1.LabelMetadataName] = ns.Name
}

// prepareNamespaceCreate: a new namespace is Active and carries the
// "kubernetes" finalizer, which the namespace controller removes after
// emptying it.
func prepareNamespaceCreate(ns *corev1.Namespace) {
	ns.Status = corev1.NamespaceStatus{Phase: corev1.NamespaceActive}
	if !hasFinalizer(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
		ns.Spec.Finalizers = append(ns.Spec.Finalizers, corev1.FinalizerKubernetes)
	}
}

// prepareNamespaceUpdate: spec.finalizers only change through the finalize
// subresource.
func prepareNamespaceUpdate(ns, old *corev1.Namespace) {
	ns.Spec.Finalizers = old.Spec.Finalizers
}

func hasFinalizer(list []corev1.FinalizerName, f corev1.FinalizerName) bool {
	for _, x := range list {
		if x == f {
			return true
		}
	}
	return false
}

func validateNamespace(ns *corev1.Namespace) field.ErrorList {
	errs := validateMeta(ns, false, apivalidation.ValidateNamespaceName)
	return append(errs, validateNamespaceFinalizers(ns.Spec.Finalizers)...)
}

func validateNamespaceFinalizers(fs []corev1.FinalizerName) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("spec", "finalizers")
	for i, f := range fs {
		if f == corev1.FinalizerKubernetes {
			continue
		}
		for _, msg := range validation.IsQualifiedName(string(f)) {
			errs = append(errs, field.Invalid(p.Index(i), f, msg))
		}
	}
	return errs
}

func validateNamespaceUpdate(ns, old *corev1.Namespace) field.ErrorList {
	errs := validateMetaUpdate(ns, old)
	errs = append(errs, validateNamespaceFinalizers(ns.Spec.Finalizers)...)
	if ns.Status.Phase != "" && ns.Status.Phase != corev1.NamespaceActive && ns.Status.Phase != corev1.NamespaceTerminating {
		errs = append(errs, field.NotSupported(field.NewPath("status", "phase"), ns.Status.Phase, []string{"Active", "Terminating"}))
	}
	return errs
}

var namespaceColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Status", Type: "string", Description: "The status of the namespace"},
	ageColumn,
}

func namespaceRow(ns *corev1.Namespace) []any {
	return []any{ns.Name, string(ns.Status.Phase), since(ns.CreationTimestamp)}
}

func namespaceFields(ns *corev1.Namespace) fields.Set {
	// "name" is a legacy field Kubernetes still serves for namespaces.
	return fields.Set{"status.phase": string(ns.Status.Phase), "name": ns.Name}
}
