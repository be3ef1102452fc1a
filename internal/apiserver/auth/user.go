package auth

import (
	"context"
	"slices"
)

// Well-known user and group names, as Kubernetes spells them, so RBAC rules
// and bindings written for Kubernetes mean the same here.
const (
	GroupAuthenticated   = "system:authenticated"
	GroupUnauthenticated = "system:unauthenticated"
	GroupMasters         = "system:masters"
	GroupBootstrappers   = "system:bootstrappers"
	GroupNodes           = "system:nodes"
	UserAnonymous        = "system:anonymous"
	// BootstrapUserPrefix precedes a join token's id in the bootstrap user name.
	BootstrapUserPrefix = "system:bootstrap:"
)

// User is an authenticated identity. It carries what an authorizer needs and
// nothing more.
type User struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// InGroup reports whether the user belongs to group.
func (u User) InGroup(group string) bool {
	return slices.Contains(u.Groups, group)
}

// BootstrapUser is the identity of a holder of the join token with this id:
// it may only ask to join (RBAC grants system:bootstrappers that much).
func BootstrapUser(tokenID string) User {
	return User{Name: BootstrapUserPrefix + tokenID, Groups: []string{GroupBootstrappers}}
}

// Anonymous is the identity of a request without credentials on a path that
// does not require them.
func Anonymous() User {
	return User{Name: UserAnonymous, Groups: []string{GroupUnauthenticated}}
}

// withAuthenticatedGroup returns u with system:authenticated among its
// groups, exactly once. It copies the slice so callers' users stay untouched.
func withAuthenticatedGroup(u User) User {
	if u.InGroup(GroupAuthenticated) {
		return u
	}
	u.Groups = append(slices.Clone(u.Groups), GroupAuthenticated)
	return u
}

type userKey struct{}

// WithUser returns a context carrying u.
func WithUser(ctx context.Context, u User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFrom returns the user stored by WithUser (or WithAuthentication).
func UserFrom(ctx context.Context) (User, bool) {
	u, ok := ctx.Value(userKey{}).(User)
	return u, ok
}
