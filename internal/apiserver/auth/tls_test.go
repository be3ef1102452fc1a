package auth

import (
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"rudder/internal/pki"
)

const unauthorizedBody = `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`

const joinToken = "rudder-0123456789abcdef0123456789abcdef"

// seen is what the test server reports about the request it received.
type seen struct {
	Name          string   `json:"name"`
	Groups        []string `json:"groups"`
	Authorization string   `json:"authorization"`
}

// credentials made once per test: a cluster CA, and a foreign CA.
type creds struct {
	ca, otherCA *pki.CA
	serving     tls.Certificate
}

func newCreds(t *testing.T) creds {
	t.Helper()
	dir := t.TempDir()
	ca, err := pki.EnsureCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	otherCA, err := pki.EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	serving, err := pki.EnsureServing(dir, ca, nil)
	if err != nil {
		t.Fatal(err)
	}
	return creds{ca: ca, otherCA: otherCA, serving: serving}
}

// startServer serves the authenticated user back as JSON over real TLS.
func startServer(t *testing.T, c creds, clientAuth tls.ClientAuthType) *httptest.Server {
	t.Helper()
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := UserFrom(r.Context())
		if !ok {
			http.Error(w, "no user in context", http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(seen{Name: u.Name, Groups: u.Groups, Authorization: r.Header.Get("Authorization")})
	})
	authn := Union(
		NewX509(c.ca.Pool()),
		NewTokens(map[string]User{joinToken: BootstrapUser("rudder")}),
	)
	probes := func(r *http.Request) bool { return r.URL.Path == "/healthz" }
	srv := httptest.NewUnstartedServer(WithAuthentication(echo, authn, probes))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{c.serving},
		ClientAuth:   clientAuth,
		ClientCAs:    c.ca.Pool(),
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// client trusts the cluster CA and, if certPEM is set, always presents that
// certificate, whoever the server says it accepts.
func client(t *testing.T, c creds, certPEM, keyPEM []byte) *http.Client {
	t.Helper()
	cfg := &tls.Config{RootCAs: c.ca.Pool()}
	if certPEM != nil {
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &pair, nil }
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
}

func TestAuthenticationOverTLS(t *testing.T) {
	c := newCreds(t)
	adminCert, adminKey, err := c.ca.IssueClient("admin", []string{"system:masters"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	foreignCert, foreignKey, err := c.otherCA.IssueClient("admin", []string{"system:masters"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	servingCert, servingKey, err := c.ca.IssueServing(nil) // right CA, wrong usage
	if err != nil {
		t.Fatal(err)
	}

	type want struct {
		status int    // 0: the TLS handshake must fail or the status must be 401
		user   string // for 200
		groups []string
	}
	tests := []struct {
		name            string
		certPEM, keyPEM []byte
		token, path     string
		// what the server answers when it verifies certificates itself
		// (VerifyClientCertIfGiven) and when it leaves it to X509
		// (RequestClientCert).
		verifying, requesting want
	}{
		{name: "client certificate of the CA", certPEM: adminCert, keyPEM: adminKey, path: "/api",
			verifying:  want{status: 200, user: "admin", groups: []string{"system:masters", GroupAuthenticated}},
			requesting: want{status: 200, user: "admin", groups: []string{"system:masters", GroupAuthenticated}}},
		{name: "no credentials", path: "/api",
			verifying: want{status: 401}, requesting: want{status: 401}},
		{name: "no credentials on an open path", path: "/healthz",
			verifying:  want{status: 200, user: UserAnonymous, groups: []string{GroupUnauthenticated}},
			requesting: want{status: 200, user: UserAnonymous, groups: []string{GroupUnauthenticated}}},
		{name: "certificate of another CA", certPEM: foreignCert, keyPEM: foreignKey, path: "/api",
			verifying: want{status: 0}, requesting: want{status: 401}},
		{name: "certificate of another CA on an open path", certPEM: foreignCert, keyPEM: foreignKey, path: "/healthz",
			verifying: want{status: 0}, requesting: want{status: 401}},
		{name: "serving certificate used as client certificate", certPEM: servingCert, keyPEM: servingKey, path: "/api",
			verifying: want{status: 0}, requesting: want{status: 401}},
		{name: "valid join token", token: joinToken, path: "/api",
			verifying:  want{status: 200, user: "system:bootstrap:rudder", groups: []string{GroupBootstrappers, GroupAuthenticated}},
			requesting: want{status: 200, user: "system:bootstrap:rudder", groups: []string{GroupBootstrappers, GroupAuthenticated}}},
		{name: "invalid token", token: joinToken + "x", path: "/api",
			verifying: want{status: 401}, requesting: want{status: 401}},
		{name: "invalid token on an open path", token: "nope", path: "/healthz",
			verifying: want{status: 401}, requesting: want{status: 401}},
	}
	modes := []struct {
		name string
		auth tls.ClientAuthType
		pick func(verifying, requesting want) want
	}{
		{"VerifyClientCertIfGiven", tls.VerifyClientCertIfGiven, func(v, _ want) want { return v }},
		{"RequestClientCert", tls.RequestClientCert, func(_, r want) want { return r }},
	}
	for _, m := range modes {
		srv := startServer(t, c, m.auth)
		for _, tt := range tests {
			t.Run(m.name+"/"+tt.name, func(t *testing.T) {
				w := m.pick(tt.verifying, tt.requesting)
				req, err := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
				if err != nil {
					t.Fatal(err)
				}
				if tt.token != "" {
					req.Header.Set("Authorization", "Bearer "+tt.token)
				}
				resp, err := client(t, c, tt.certPEM, tt.keyPEM).Do(req)
				if err != nil {
					if w.status == 0 {
						return // refused during the handshake
					}
					t.Fatalf("request failed: %v", err)
				}
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				if w.status == 0 {
					w.status = http.StatusUnauthorized
				}
				if resp.StatusCode != w.status {
					t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, w.status)
				}
				if w.status == http.StatusUnauthorized {
					assertUnauthorizedBody(t, resp, body)
					return
				}
				var got seen
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatalf("decoding %s: %v", body, err)
				}
				if got.Name != w.user || !slices.Equal(got.Groups, w.groups) {
					t.Errorf("server saw %q %v, want %q %v", got.Name, got.Groups, w.user, w.groups)
				}
				if got.Authorization != "" {
					t.Errorf("Authorization header %q reached the handler", got.Authorization)
				}
			})
		}
	}
}

func assertUnauthorizedBody(t *testing.T, resp *http.Response, body []byte) {
	t.Helper()
	if string(body) != unauthorizedBody {
		t.Errorf("401 body\n got %s\nwant %s", body, unauthorizedBody)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
}
