package auth

import (
	"net/http/httptest"
	"testing"
)

func TestInProcess(t *testing.T) {
	r := httptest.NewRequest("GET", "/api", nil)
	r.Header.Set("Authorization", "Bearer anything")
	if _, ok, err := InProcess().Authenticate(r); ok || err != nil {
		t.Fatalf("a network request authenticated in-process: %v %v", ok, err)
	}
	want := User{Name: "system:kube-scheduler", Groups: []string{GroupMasters}}
	r = r.WithContext(WithInProcessUser(r.Context(), want))
	u, ok, err := InProcess().Authenticate(r)
	if !ok || err != nil || u.Name != want.Name || !u.InGroup(GroupMasters) {
		t.Fatalf("in-process request: %+v %v %v", u, ok, err)
	}
}
