package auth

import (
	"errors"
	"net/http"
)

// Authenticator finds out who sent a request. It returns:
//   - (user, true, nil) when its kind of credential is present and valid;
//   - (_, false, nil) when its kind of credential is absent, so another
//     authenticator may try;
//   - (_, false, err) when the credential is present but invalid: the request
//     is refused with 401, never treated as anonymous.
type Authenticator interface {
	Authenticate(r *http.Request) (User, bool, error)
}

// AuthenticatorFunc adapts a function to Authenticator.
type AuthenticatorFunc func(r *http.Request) (User, bool, error)

// Authenticate calls f.
func (f AuthenticatorFunc) Authenticate(r *http.Request) (User, bool, error) { return f(r) }

// Union tries each authenticator in order; the first that authenticates the
// request wins. Errors do not stop the search, since a bearer token unknown
// to one authenticator (the join token) may be valid for the next (service
// account tokens); but when nobody succeeds, any error is returned so the
// request is refused rather than let through as anonymous.
func Union(authenticators ...Authenticator) Authenticator {
	return AuthenticatorFunc(func(r *http.Request) (User, bool, error) {
		var errs []error
		for _, a := range authenticators {
			u, ok, err := a.Authenticate(r)
			if ok && err == nil {
				return u, true, nil
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
		return User{}, false, errors.Join(errs...)
	})
}
