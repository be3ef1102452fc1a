package core

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func resourceQuotaKind() *api.Kind {
	return api.Def[*corev1.ResourceQuota, *corev1.ResourceQuotaList]{
		Version: coreVersion, Kind: "ResourceQuota",
		Resource: "resourcequotas", Singular: "resourcequota", Namespaced: true,
		ShortNames:   []string{"quota"},
		Subresources: []string{"status"},
		New:          func() *corev1.ResourceQuota { return &corev1.ResourceQuota{} },
		NewList:      func() *corev1.ResourceQuotaList { return &corev1.ResourceQuotaList{} },
		Validate:     validateResourceQuota,
		ValidateUpdate: func(q, old *corev1.ResourceQuota) field.ErrorList {
			return append(validateMetaUpdate(q, old), validateResourceQuota(q)...)
		},
		Columns: resourceQuotaColumns,
		Row:     resourceQuotaRow,
	}.Build()
}

// standardQuotaResources are the names without a domain a quota may limit.
var standardQuotaResources = sets.New(
	"pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps",
	"persistentvolumeclaims", "services.nodeports", "services.loadbalancers",
	"cpu", "memory", "ephemeral-storage", "storage",
	"requests.cpu", "requests.memory", "requests.storage", "requests.ephemeral-storage",
	"limits.cpu", "limits.memory", "limits.ephemeral-storage",
)

var quotaScopes = []string{"BestEffort", "CrossNamespacePodAffinity", "NotBestEffort", "NotTerminating", "PriorityClass", "Terminating"}

func validateResourceQuota(q *corev1.ResourceQuota) field.ErrorList {
	errs := validateMeta(q, true, apivalidation.NameIsDNSSubdomain)
	sp := field.NewPath("spec")
	for _, name := range sortedKeys(resourceListMap(q.Spec.Hard)) {
		p := sp.Child("hard").Key(name)
		errs = append(errs, validateQuotaResourceName(name, p)...)
		v := q.Spec.Hard[corev1.ResourceName(name)]
		if v.Sign() < 0 {
			errs = append(errs, field.Invalid(p, v.String(), "must be greater than or equal to 0"))
		}
	}
	for i, s := range q.Spec.Scopes {
		if !sets.New(quotaScopes...).Has(string(s)) {
			errs = append(errs, field.NotSupported(sp.Child("scopes").Index(i), s, quotaScopes))
		}
	}
	return errs
}

func validateQuotaResourceName(name string, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, msg := range validation.IsQualifiedName(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	if len(errs) > 0 || strings.Contains(name, "/") || standardQuotaResources.Has(name) ||
		strings.HasPrefix(name, "hugepages-") || strings.HasPrefix(name, "requests.hugepages-") {
		return errs
	}
	return field.ErrorList{field.Invalid(p, name, "must be a standard resource for quota")}
}

func resourceListMap(l corev1.ResourceList) map[string]struct{} {
	m := make(map[string]struct{}, len(l))
	for k := range l {
		m[string(k)] = struct{}{}
	}
	return m
}

var resourceQuotaColumns = []metav1.TableColumnDefinition{
	nameColumn,
	ageColumn,
	{Name: "Request", Type: "string", Description: "Request represents a minimum amount of cpu/memory that a container may consume."},
	{Name: "Limit", Type: "string", Description: "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node."},
}

// resourceQuotaRow shows "name: used/hard" for each limited resource,
// limits.* in the Limit column and everything else in Request.
func resourceQuotaRow(q *corev1.ResourceQuota) []any {
	names := make([]string, 0, len(q.Status.Hard))
	for k := range q.Status.Hard {
		names = append(names, string(k))
	}
	sort.Strings(names)
	var requests, limits []string
	for _, name := range names {
		hard := q.Status.Hard[corev1.ResourceName(name)]
		used := q.Status.Used[corev1.ResourceName(name)]
		cell := fmt.Sprintf("%s: %s/%s", name, used.String(), hard.String())
		if strings.HasPrefix(name, "limits.") {
			limits = append(limits, cell)
		} else {
			requests = append(requests, cell)
		}
	}
	return []any{q.Name, since(q.CreationTimestamp), strings.Join(requests, ", "), strings.Join(limits, ", ")}
}
