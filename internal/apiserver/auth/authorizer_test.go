package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestBuiltinAuthorizers(t *testing.T) {
	authed := User{Name: "a", Groups: []string{GroupAuthenticated}}
	tests := []struct {
		name  string
		authz Authorizer
		user  User
		want  bool
	}{
		{"authenticated user allowed", AllowAuthenticated{}, authed, true},
		{"anonymous denied", AllowAuthenticated{}, Anonymous(), false},
		{"AlwaysAllow allows anonymous", AlwaysAllow{}, Anonymous(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := tt.authz.Authorize(context.Background(), Attributes{User: tt.user, Verb: "get"})
			if err != nil || got != tt.want {
				t.Fatalf("Authorize = %v %v, want %v", got, err, tt.want)
			}
		})
	}
}

func TestForbiddenMessage(t *testing.T) {
	bob := User{Name: "bob"}
	tests := []struct {
		name   string
		attrs  Attributes
		reason string
		want   string
	}{
		{"named namespaced object",
			Attributes{User: bob, Verb: "get", Namespace: "default", Resource: "pods", Name: "web", ResourceRequest: true}, "",
			`pods "web" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "default"`},
		{"collection in a group at cluster scope",
			Attributes{User: bob, Verb: "list", APIGroup: "apps", Resource: "deployments", ResourceRequest: true}, "",
			`deployments.apps is forbidden: User "bob" cannot list resource "deployments" in API group "apps" at the cluster scope`},
		{"subresource with reason",
			Attributes{User: bob, Verb: "get", Namespace: "ns", Resource: "pods", Subresource: "log", Name: "web", ResourceRequest: true}, "no rule",
			`pods "web" is forbidden: User "bob" cannot get resource "pods/log" in API group "" in the namespace "ns": no rule`},
		{"non-resource path",
			Attributes{User: bob, Verb: "get", Path: "/metrics"}, "",
			`forbidden: User "bob" cannot get path "/metrics"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Forbidden(tt.attrs, tt.reason)
			if s.Message != tt.want || s.Code != http.StatusForbidden || s.Reason != metav1.StatusReasonForbidden {
				t.Fatalf("got %d %s %q\nwant 403 Forbidden %q", s.Code, s.Reason, s.Message, tt.want)
			}
		})
	}
}

func TestWithAuthorization(t *testing.T) {
	attrs := func(r *http.Request) Attributes {
		return Attributes{Verb: "list", Namespace: "default", Resource: "pods", ResourceRequest: true}
	}
	tests := []struct {
		name       string
		authz      Authorizer
		user       *User
		wantStatus int
		wantReason metav1.StatusReason
	}{
		{"allowed", AllowAuthenticated{}, &User{Name: "a", Groups: []string{GroupAuthenticated}}, http.StatusOK, ""},
		{"denied", AllowAuthenticated{}, &User{Name: "a"}, http.StatusForbidden, metav1.StatusReasonForbidden},
		{"authorizer fails", AuthorizerFunc(func(context.Context, Attributes) (bool, string, error) {
			return false, "", errors.New("rbac cache not ready")
		}), &User{Name: "a"}, http.StatusInternalServerError, metav1.StatusReasonInternalError},
		{"no user in context", AlwaysAllow{}, nil, http.StatusUnauthorized, metav1.StatusReasonUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
			r := httptest.NewRequest("GET", "/api/v1/namespaces/default/pods", nil)
			if tt.user != nil {
				r = r.WithContext(WithUser(r.Context(), *tt.user))
			}
			rec := httptest.NewRecorder()
			WithAuthorization(ok, tt.authz, attrs).ServeHTTP(rec, r)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d (%s), want %d", rec.Code, rec.Body, tt.wantStatus)
			}
			if tt.wantStatus == http.StatusOK {
				return
			}
			var s metav1.Status
			if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
				t.Fatalf("body %s is not a Status: %v", rec.Body, err)
			}
			if s.Kind != "Status" || s.APIVersion != "v1" || s.Reason != tt.wantReason || int(s.Code) != tt.wantStatus {
				t.Errorf("Status %+v, want reason %s code %d", s, tt.wantReason, tt.wantStatus)
			}
		})
	}
}
