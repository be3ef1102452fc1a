package rbac

import (
	"fmt"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

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

func validRole() *rbacv1.Role {
	return &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "system:pod-reader", Namespace: "default", ResourceVersion: "1"},
		Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"pods"}}},
	}
}

func validClusterRole() *rbacv1.ClusterRole {
	return &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "monitoring", ResourceVersion: "1"},
		Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/metrics"}}},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
			{MatchLabels: map[string]string{"rbac.example.com/aggregate-to-monitoring": "true"}},
		}},
	}
}

func validRoleBinding() *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "read-pods", Namespace: "default", ResourceVersion: "1"},
		RoleRef:    rbacv1.RoleRef{Kind: "Role", Name: "system:pod-reader"},
		Subjects: []rbacv1.Subject{
			{Kind: "User", Name: "jane"},
			{Kind: "Group", Name: "devs"},
			{Kind: "ServiceAccount", Name: "default", Namespace: "default"},
			{Kind: "ServiceAccount", Name: "builder"},
		},
	}
}

func validClusterRoleBinding() *rbacv1.ClusterRoleBinding {
	return &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "admins", ResourceVersion: "1"},
		RoleRef:    rbacv1.RoleRef{Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: "Group", Name: "system:masters"}, {Kind: "ServiceAccount", Name: "ci", Namespace: "ci"}},
	}
}

func TestRegister(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	cases := []struct {
		resource   string
		types      string
		namespaced bool
		full       runtime.Object
	}{
		{"roles", "*v1.Role/*v1.RoleList", true, validRole()},
		{"clusterroles", "*v1.ClusterRole/*v1.ClusterRoleList", false, validClusterRole()},
		{"rolebindings", "*v1.RoleBinding/*v1.RoleBindingList", true, validRoleBinding()},
		{"clusterrolebindings", "*v1.ClusterRoleBinding/*v1.ClusterRoleBindingList", false, validClusterRoleBinding()},
	}
	for _, c := range cases {
		k, ok := r.Lookup(rbacv1.SchemeGroupVersion.WithResource(c.resource))
		if !ok {
			t.Fatalf("%s not registered", c.resource)
		}
		if k.Namespaced != c.namespaced {
			t.Errorf("%s: Namespaced = %v", c.resource, k.Namespaced)
		}
		if got := fmt.Sprintf("%T/%T", k.New(), k.NewList()); got != c.types {
			t.Errorf("%s: New/NewList give %s, want %s", c.resource, got, c.types)
		}
		for _, obj := range []runtime.Object{k.New(), c.full} {
			if cells := k.Row(obj); len(cells) != len(k.Columns) {
				t.Errorf("%s: %d cells for %d columns", c.resource, len(cells), len(k.Columns))
			}
		}
	}
}

func TestDefaultBinding(t *testing.T) {
	b := validRoleBinding()
	defaultBinding(&b.RoleRef, b.Subjects)
	if b.RoleRef.APIGroup != Group {
		t.Errorf("roleRef.apiGroup = %q", b.RoleRef.APIGroup)
	}
	want := []string{Group, Group, "", ""}
	for i, s := range b.Subjects {
		if s.APIGroup != want[i] {
			t.Errorf("subject %d (%s) apiGroup = %q, want %q", i, s.Kind, s.APIGroup, want[i])
		}
	}
}

func TestValidateRole(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*rbacv1.Role)
		want   wantErr
	}{
		{"valid", func(*rbacv1.Role) {}, wantErr{}},
		{"name with slash", func(r *rbacv1.Role) { r.Name = "a/b" }, wantErr{field.ErrorTypeInvalid, "metadata.name"}},
		{"name dot-dot", func(r *rbacv1.Role) { r.Name = ".." }, wantErr{field.ErrorTypeInvalid, "metadata.name"}},
		{"no verbs", func(r *rbacv1.Role) { r.Rules[0].Verbs = nil }, wantErr{field.ErrorTypeRequired, "rules[0].verbs"}},
		{"no apiGroups", func(r *rbacv1.Role) { r.Rules[0].APIGroups = nil }, wantErr{field.ErrorTypeRequired, "rules[0].apiGroups"}},
		{"no resources", func(r *rbacv1.Role) { r.Rules[0].Resources = nil }, wantErr{field.ErrorTypeRequired, "rules[0].resources"}},
		{"non-resource URL in role", func(r *rbacv1.Role) {
			r.Rules = []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}}
		}, wantErr{field.ErrorTypeInvalid, "rules[0].nonResourceURLs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validRole()
			c.mutate(r)
			checkErrs(t, validateRole(r), c.want)
		})
	}
}

func TestValidateClusterRole(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*rbacv1.ClusterRole)
		want   wantErr
	}{
		{"valid", func(*rbacv1.ClusterRole) {}, wantErr{}},
		{"mixed rule", func(r *rbacv1.ClusterRole) { r.Rules[0].Resources = []string{"pods"} }, wantErr{field.ErrorTypeInvalid, "rules[0].nonResourceURLs"}},
		{"empty aggregation", func(r *rbacv1.ClusterRole) { r.AggregationRule.ClusterRoleSelectors = nil }, wantErr{field.ErrorTypeRequired, "aggregationRule.clusterRoleSelectors"}},
		{"bad aggregation selector", func(r *rbacv1.ClusterRole) {
			r.AggregationRule.ClusterRoleSelectors[0].MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Near"}}
		}, wantErr{field.ErrorTypeInvalid, "aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator"}},
		{"namespaced", func(r *rbacv1.ClusterRole) { r.Namespace = "default" }, wantErr{field.ErrorTypeForbidden, "metadata.namespace"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := validClusterRole()
			c.mutate(r)
			checkErrs(t, validateClusterRole(r), c.want)
		})
	}
}

func TestValidateRoleBinding(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*rbacv1.RoleBinding)
		want   wantErr
	}{
		{"valid", func(*rbacv1.RoleBinding) {}, wantErr{}},
		{"cluster role ref", func(b *rbacv1.RoleBinding) { b.RoleRef.Kind = "ClusterRole" }, wantErr{}},
		{"bad ref group", func(b *rbacv1.RoleBinding) { b.RoleRef.APIGroup = "apps" }, wantErr{field.ErrorTypeNotSupported, "roleRef.apiGroup"}},
		{"bad ref kind", func(b *rbacv1.RoleBinding) { b.RoleRef.Kind = "Pod" }, wantErr{field.ErrorTypeNotSupported, "roleRef.kind"}},
		{"ref name missing", func(b *rbacv1.RoleBinding) { b.RoleRef.Name = "" }, wantErr{field.ErrorTypeRequired, "roleRef.name"}},
		{"ref name with slash", func(b *rbacv1.RoleBinding) { b.RoleRef.Name = "a/b" }, wantErr{field.ErrorTypeInvalid, "roleRef.name"}},
		{"subject name missing", func(b *rbacv1.RoleBinding) { b.Subjects[0].Name = "" }, wantErr{field.ErrorTypeRequired, "subjects[0].name"}},
		{"subject kind unknown", func(b *rbacv1.RoleBinding) { b.Subjects[0].Kind = "Robot" }, wantErr{field.ErrorTypeNotSupported, "subjects[0].kind"}},
		{"user with core group", func(b *rbacv1.RoleBinding) { b.Subjects[0].APIGroup = "" }, wantErr{field.ErrorTypeNotSupported, "subjects[0].apiGroup"}},
		{"service account with rbac group", func(b *rbacv1.RoleBinding) { b.Subjects[2].APIGroup = Group }, wantErr{field.ErrorTypeNotSupported, "subjects[2].apiGroup"}},
		{"bad service account name", func(b *rbacv1.RoleBinding) { b.Subjects[2].Name = "Bad_SA" }, wantErr{field.ErrorTypeInvalid, "subjects[2].name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := validRoleBinding()
			defaultBinding(&b.RoleRef, b.Subjects)
			c.mutate(b)
			checkErrs(t, validateRoleBinding(b), c.want)
		})
	}
}

func TestValidateClusterRoleBinding(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*rbacv1.ClusterRoleBinding)
		want   wantErr
	}{
		{"valid", func(*rbacv1.ClusterRoleBinding) {}, wantErr{}},
		{"role ref", func(b *rbacv1.ClusterRoleBinding) { b.RoleRef.Kind = "Role" }, wantErr{field.ErrorTypeNotSupported, "roleRef.kind"}},
		{"service account without namespace", func(b *rbacv1.ClusterRoleBinding) { b.Subjects[1].Namespace = "" }, wantErr{field.ErrorTypeRequired, "subjects[1].namespace"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := validClusterRoleBinding()
			defaultBinding(&b.RoleRef, b.Subjects)
			c.mutate(b)
			checkErrs(t, validateClusterRoleBinding(b), c.want)
		})
	}
}

func TestRoleRefImmutable(t *testing.T) {
	old := validRoleBinding()
	defaultBinding(&old.RoleRef, old.Subjects)
	b := old.DeepCopy()
	b.Subjects = b.Subjects[:1]
	checkErrs(t, validateRoleBindingUpdate(b, old), wantErr{})
	b.RoleRef.Name = "other"
	checkErrs(t, validateRoleBindingUpdate(b, old), wantErr{field.ErrorTypeInvalid, "roleRef"})

	oldC := validClusterRoleBinding()
	defaultBinding(&oldC.RoleRef, oldC.Subjects)
	c := oldC.DeepCopy()
	c.RoleRef.Name = "view"
	checkErrs(t, validateClusterRoleBindingUpdate(c, oldC), wantErr{field.ErrorTypeInvalid, "roleRef"})
}

func TestRows(t *testing.T) {
	created := metav1.NewTime(time.Date(2024, 5, 1, 12, 0, 0, 0, time.FixedZone("x", 3600)))
	if got := roleRow("r", created); got[1] != "2024-05-01T11:00:00Z" {
		t.Errorf("role created-at cell = %v", got[1])
	}
	b := validRoleBinding()
	b.CreationTimestamp = metav1.NewTime(time.Now().Add(-30 * time.Minute))
	got := bindingRow(b.Name, b.CreationTimestamp, b.RoleRef, b.Subjects)
	want := []any{"read-pods", "Role/system:pod-reader", "30m", "jane", "devs", "default/default, /builder"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d (%s) = %q, want %q", i, bindingColumns[i].Name, got[i], want[i])
		}
	}
	for i, c := range bindingColumns {
		if wide := i >= 3; (c.Priority == 1) != wide {
			t.Errorf("column %s priority %d", c.Name, c.Priority)
		}
	}
}
