package pki

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

func TestEnsureTokenStable(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	first, err := EnsureToken(path)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^rudder-[0-9a-f]{32}$`).MatchString(first) {
		t.Errorf("token %q does not look like rudder-<32 hex>", first)
	}
	second, err := EnsureToken(path)
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Errorf("token changed from %q to %q", first, second)
	}
	other, err := EnsureToken(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	if other == first {
		t.Error("two new tokens are equal")
	}
	assertMode(t, path, 0o600)
	assertDirHolds(t, dir, "token", "other")
}

func TestEnsureTokenOperatorSupplied(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    string
		wantErr bool
	}{
		{"custom token with newline", "my-secret\n", "my-secret", false},
		{"empty file", "  \n", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "token")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := EnsureToken(path)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("EnsureToken = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
