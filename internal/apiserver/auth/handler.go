package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// WithAuthentication authenticates every request with a and stores the user
// in the request context (see UserFrom) before calling next. A request that
// is not authenticated gets 401 with a Status body, as from kube-apiserver,
// unless unauthenticatedOK allows its path (health probes, /version): then it
// proceeds as the anonymous user. An invalid credential is refused even on
// those paths, as Kubernetes does, so a broken client notices.
func WithAuthentication(next http.Handler, a Authenticator, unauthenticatedOK func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := a.Authenticate(r)
		switch {
		case ok && err == nil:
			u = withAuthenticatedGroup(u)
		case err == nil && unauthenticatedOK != nil && unauthenticatedOK(r):
			u = Anonymous()
		default:
			if err != nil {
				slog.Debug("authentication failed", "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
			}
			writeStatus(w, unauthorized())
			return
		}
		// The credential has served its purpose; dropping it keeps it from
		// leaking to whatever the request is proxied to next.
		r.Header.Del("Authorization")
		next.ServeHTTP(w, r.WithContext(WithUser(r.Context(), u)))
	})
}

// WithAuthorization asks z whether the request's user may do what
// attributes(r) describes, and answers 403 Forbidden (or 500 when z fails)
// instead of calling next when not. It must run inside WithAuthentication.
func WithAuthorization(next http.Handler, z Authorizer, attributes func(*http.Request) Attributes) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := UserFrom(r.Context())
		if !ok {
			writeStatus(w, unauthorized())
			return
		}
		attrs := attributes(r)
		attrs.User = u
		allowed, reason, err := z.Authorize(r.Context(), attrs)
		if allowed {
			next.ServeHTTP(w, r)
			return
		}
		if err != nil {
			writeStatus(w, &apierrors.NewInternalError(fmt.Errorf("authorizing request: %w", err)).ErrStatus)
			return
		}
		writeStatus(w, Forbidden(attrs, reason))
	})
}

// Forbidden builds the 403 Status kube-apiserver returns when a is denied,
// with its familiar message, e.g. `pods "web" is forbidden: User "bob"
// cannot get resource "pods" in API group "" in the namespace "default"`.
func Forbidden(a Attributes, reason string) *metav1.Status {
	var msg string
	if a.ResourceRequest {
		resource := a.Resource
		if a.Subresource != "" {
			resource += "/" + a.Subresource
		}
		msg = fmt.Sprintf("User %q cannot %s resource %q in API group %q", a.User.Name, a.Verb, resource, a.APIGroup)
		if a.Namespace != "" {
			msg += fmt.Sprintf(" in the namespace %q", a.Namespace)
		} else {
			msg += " at the cluster scope"
		}
	} else {
		msg = fmt.Sprintf("User %q cannot %s path %q", a.User.Name, a.Verb, a.Path)
	}
	if reason != "" {
		msg += ": " + reason
	}
	gr := schema.GroupResource{Group: a.APIGroup, Resource: a.Resource}
	if !a.ResourceRequest {
		gr = schema.GroupResource{}
	}
	return &apierrors.NewForbidden(gr, a.Name, errors.New(msg)).ErrStatus
}

func unauthorized() *metav1.Status {
	return &apierrors.NewUnauthorized("Unauthorized").ErrStatus
}

// writeStatus sends s as a JSON v1 Status with its code as the HTTP status.
func writeStatus(w http.ResponseWriter, s *metav1.Status) {
	s.TypeMeta = metav1.TypeMeta{Kind: "Status", APIVersion: "v1"}
	body, err := json.Marshal(s)
	if err != nil {
		http.Error(w, s.Message, int(s.Code))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(int(s.Code))
	w.Write(body)
}
