package auth

import "context"

// Attributes describe one request for authorization, in the terms RBAC rules
// use. For a resource request the resource fields are set; otherwise Path is
// (e.g. "/healthz") and Verb is the lower-case HTTP method.
type Attributes struct {
	User            User
	Verb            string
	Namespace       string
	APIGroup        string
	APIVersion      string
	Resource        string
	Subresource     string
	Name            string
	Path            string
	ResourceRequest bool
}

// Authorizer decides whether a request may proceed. reason explains a
// decision (it is shown to the user on denial); err means the decision could
// not be made, and the request fails with 500 rather than being denied.
type Authorizer interface {
	Authorize(ctx context.Context, a Attributes) (allowed bool, reason string, err error)
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(ctx context.Context, a Attributes) (bool, string, error)

// Authorize calls f.
func (f AuthorizerFunc) Authorize(ctx context.Context, a Attributes) (bool, string, error) {
	return f(ctx, a)
}

// AllowAuthenticated allows every authenticated user and nobody else. It is
// the stand-in until RBAC is in place.
type AllowAuthenticated struct{}

// Authorize implements Authorizer.
func (AllowAuthenticated) Authorize(_ context.Context, a Attributes) (bool, string, error) {
	if a.User.InGroup(GroupAuthenticated) {
		return true, "", nil
	}
	return false, "only authenticated users are allowed", nil
}

// AlwaysAllow allows everything, for tests and for clusters that opt out of
// authorization.
type AlwaysAllow struct{}

// Authorize implements Authorizer.
func (AlwaysAllow) Authorize(context.Context, Attributes) (bool, string, error) {
	return true, "", nil
}
