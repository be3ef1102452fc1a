package auth

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func fixed(u User, ok bool, err error) Authenticator {
	return AuthenticatorFunc(func(*http.Request) (User, bool, error) { return u, ok, err })
}

func TestUnion(t *testing.T) {
	alice, bob := User{Name: "alice"}, User{Name: "bob"}
	bad := errors.New("bad credential")
	tests := []struct {
		name     string
		members  []Authenticator
		wantUser string
		wantOK   bool
		wantErr  bool
	}{
		{"empty", nil, "", false, false},
		{"nobody has a credential", []Authenticator{fixed(User{}, false, nil), fixed(User{}, false, nil)}, "", false, false},
		{"first success wins", []Authenticator{fixed(alice, true, nil), fixed(bob, true, nil)}, "alice", true, false},
		{"error then success", []Authenticator{fixed(User{}, false, bad), fixed(bob, true, nil)}, "bob", true, false},
		{"error and nothing else is an error", []Authenticator{fixed(User{}, false, nil), fixed(User{}, false, bad)}, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok, err := Union(tt.members...).Authenticate(httptest.NewRequest("GET", "/", nil))
			if u.Name != tt.wantUser || ok != tt.wantOK || (err != nil) != tt.wantErr {
				t.Fatalf("got %q %v %v, want %q %v error=%v", u.Name, ok, err, tt.wantUser, tt.wantOK, tt.wantErr)
			}
		})
	}
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestTokensHeaderForms(t *testing.T) {
	tokens := NewTokens(map[string]User{"s3cret": {Name: "joiner", Groups: []string{GroupBootstrappers}}, "": {Name: "empty"}})
	tests := []struct {
		name    string
		header  string
		wantOK  bool
		wantErr bool
	}{
		{"no header", "", false, false},
		{"valid", "Bearer s3cret", true, false},
		{"scheme is case-insensitive", "bearer s3cret", true, false},
		{"surrounding spaces", "Bearer   s3cret ", true, false},
		{"malformed basic is no credential", "Basic czNjcmV0", false, false},
		{"basic with the token as password", basic("anyone", "s3cret"), true, false},
		{"basic with an empty user name", basic("", "s3cret"), true, false},
		{"basic with a wrong password", basic("anyone", "s3cre"), false, true},
		{"basic with an empty password is no credential", basic("s3cret", ""), false, false},
		{"other scheme is not ours", "Digest username=x", false, false},
		{"empty token is no token", "Bearer ", false, false},
		{"wrong token", "Bearer s3cre", false, true},
		{"token with a suffix", "Bearer s3cretX", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			u, ok, err := tokens.Authenticate(r)
			if ok != tt.wantOK || (err != nil) != tt.wantErr {
				t.Fatalf("got %v %v, want ok=%v error=%v", ok, err, tt.wantOK, tt.wantErr)
			}
			if ok && (u.Name != "joiner" || !u.InGroup(GroupBootstrappers) || !u.InGroup(GroupAuthenticated)) {
				t.Errorf("user %+v, want joiner in bootstrappers and authenticated", u)
			}
		})
	}
}

func TestX509WithoutTLSHasNoCredential(t *testing.T) {
	u, ok, err := NewX509(nil).Authenticate(httptest.NewRequest("GET", "/", nil))
	if ok || err != nil {
		t.Fatalf("got %+v %v %v, want no credential", u, ok, err)
	}
}

func TestUserContext(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if _, ok := UserFrom(r.Context()); ok {
		t.Fatal("user found in an empty context")
	}
	ctx := WithUser(r.Context(), User{Name: "carol"})
	if u, ok := UserFrom(ctx); !ok || u.Name != "carol" {
		t.Fatalf("UserFrom = %+v %v, want carol", u, ok)
	}
}
