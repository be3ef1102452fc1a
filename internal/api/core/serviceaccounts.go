package core

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func serviceAccountKind() *api.Kind {
	return api.Def[*corev1.ServiceAccount, *corev1.ServiceAccountList]{
		Version: coreVersion, Kind: "ServiceAccount",
		Resource: "serviceaccounts", Singular: "serviceaccount", Namespaced: true,
		ShortNames:   []string{"sa"},
		Subresources: []string{"token"},
		New:          func() *corev1.ServiceAccount { return &corev1.ServiceAccount{} },
		NewList:      func() *corev1.ServiceAccountList { return &corev1.ServiceAccountList{} },
		Validate:     validateServiceAccount,
		ValidateUpdate: func(sa, old *corev1.ServiceAccount) field.ErrorList {
			return append(validateMetaUpdate(sa, old), validateServiceAccount(sa)...)
		},
		Columns: serviceAccountColumns,
		Row: func(sa *corev1.ServiceAccount) []any {
			return []any{sa.Name, int64(len(sa.Secrets)), since(sa.CreationTimestamp)}
		},
	}.Build()
}

func validateServiceAccount(sa *corev1.ServiceAccount) field.ErrorList {
	errs := validateMeta(sa, true, apivalidation.NameIsDNSSubdomain)
	for i, ref := range sa.ImagePullSecrets {
		p := field.NewPath("imagePullSecrets").Index(i).Child("name")
		for _, msg := range validation.IsDNS1123Subdomain(ref.Name) {
			errs = append(errs, field.Invalid(p, ref.Name, msg))
		}
	}
	return errs
}

var serviceAccountColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Secrets", Type: "integer", Description: "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."},
	ageColumn,
}
