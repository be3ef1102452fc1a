// Package rbac describes the rbac.authorization.k8s.io/v1 kinds.
package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"

	"rudder/internal/api"
)

// Group and Version are the served group version.
const (
	Group   = rbacv1.GroupName
	Version = "v1"
)

// Register adds Role, ClusterRole, RoleBinding and ClusterRoleBinding to r.
func Register(r *api.Registry) {
	r.Add(api.Def[*rbacv1.Role, *rbacv1.RoleList]{
		Group: Group, Version: Version, Kind: "Role",
		Resource: "roles", Singular: "role",
		Namespaced:     true,
		New:            func() *rbacv1.Role { return &rbacv1.Role{} },
		NewList:        func() *rbacv1.RoleList { return &rbacv1.RoleList{} },
		Validate:       validateRole,
		ValidateUpdate: validateRoleUpdate,
		Columns:        roleColumns,
		Row:            func(o *rbacv1.Role) []any { return roleRow(o.Name, o.CreationTimestamp) },
	}.Build())
	r.Add(api.Def[*rbacv1.ClusterRole, *rbacv1.ClusterRoleList]{
		Group: Group, Version: Version, Kind: "ClusterRole",
		Resource: "clusterroles", Singular: "clusterrole",
		New:            func() *rbacv1.ClusterRole { return &rbacv1.ClusterRole{} },
		NewList:        func() *rbacv1.ClusterRoleList { return &rbacv1.ClusterRoleList{} },
		Validate:       validateClusterRole,
		ValidateUpdate: validateClusterRoleUpdate,
		Columns:        roleColumns,
		Row:            func(o *rbacv1.ClusterRole) []any { return roleRow(o.Name, o.CreationTimestamp) },
	}.Build())
	r.Add(api.Def[*rbacv1.RoleBinding, *rbacv1.RoleBindingList]{
		Group: Group, Version: Version, Kind: "RoleBinding",
		Resource: "rolebindings", Singular: "rolebinding",
		Namespaced:     true,
		New:            func() *rbacv1.RoleBinding { return &rbacv1.RoleBinding{} },
		NewList:        func() *rbacv1.RoleBindingList { return &rbacv1.RoleBindingList{} },
		Default:        func(o *rbacv1.RoleBinding) { defaultBinding(&o.RoleRef, o.Subjects) },
		Validate:       validateRoleBinding,
		ValidateUpdate: validateRoleBindingUpdate,
		Columns:        bindingColumns,
		Row: func(o *rbacv1.RoleBinding) []any {
			return bindingRow(o.Name, o.CreationTimestamp, o.RoleRef, o.Subjects)
		},
	}.Build())
	r.Add(api.Def[*rbacv1.ClusterRoleBinding, *rbacv1.ClusterRoleBindingList]{
		Group: Group, Version: Version, Kind: "ClusterRoleBinding",
		Resource: "clusterrolebindings", Singular: "clusterrolebinding",
		New:            func() *rbacv1.ClusterRoleBinding { return &rbacv1.ClusterRoleBinding{} },
		NewList:        func() *rbacv1.ClusterRoleBindingList { return &rbacv1.ClusterRoleBindingList{} },
		Default:        func(o *rbacv1.ClusterRoleBinding) { defaultBinding(&o.RoleRef, o.Subjects) },
		Validate:       validateClusterRoleBinding,
		ValidateUpdate: validateClusterRoleBindingUpdate,
		Columns:        bindingColumns,
		Row: func(o *rbacv1.ClusterRoleBinding) []any {
			return bindingRow(o.Name, o.CreationTimestamp, o.RoleRef, o.Subjects)
		},
	}.Build())
}
