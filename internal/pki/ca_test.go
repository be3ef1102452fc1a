package pki

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestEnsureCAReusesExisting(t *testing.T) {
	dir := t.TempDir()
	first, err := EnsureCA(dir)
	if err != nil {
		t.Fatalf("EnsureCA: %v", err)
	}
	second, err := EnsureCA(dir)
	if err != nil {
		t.Fatalf("EnsureCA again: %v", err)
	}
	if !bytes.Equal(first.CertPEM, second.CertPEM) {
		t.Fatal("second EnsureCA made a new CA instead of loading the stored one")
	}
	if !publicKeysEqual(second.Key.Public(), first.Cert.PublicKey) {
		t.Fatal("loaded CA key differs from the created one")
	}
	c := second.Cert
	if c.Subject.CommonName != "rudder-ca" || !c.IsCA {
		t.Errorf("CA subject %q IsCA=%v, want rudder-ca and a CA", c.Subject.CommonName, c.IsCA)
	}
	if left := time.Until(c.NotAfter); left < 9*365*24*time.Hour {
		t.Errorf("CA valid for %s more, want about 10 years", left)
	}
	assertMode(t, filepath.Join(dir, "ca.key"), 0o600)
	assertDirHolds(t, dir, "ca.crt", "ca.key")
}

func TestEnsureCABrokenStates(t *testing.T) {
	other, err := EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := encodeKey(other.Key)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string, ca *CA)
		wantErr bool
	}{
		{"key missing", func(t *testing.T, dir string, _ *CA) { mustRemove(t, filepath.Join(dir, "ca.key")) }, true},
		{"key of another CA", func(t *testing.T, dir string, _ *CA) { mustWrite(t, filepath.Join(dir, "ca.key"), otherKey) }, true},
		{"corrupt certificate", func(t *testing.T, dir string, _ *CA) { mustWrite(t, filepath.Join(dir, "ca.crt"), []byte("junk")) }, true},
		// A key without a certificate is what a crash during creation
		// leaves: nothing was signed yet, so a new CA is made.
		{"certificate missing", func(t *testing.T, dir string, _ *CA) { mustRemove(t, filepath.Join(dir, "ca.crt")) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ca, err := EnsureCA(dir)
			if err != nil {
				t.Fatal(err)
			}
			tt.prepare(t, dir, ca)
			got, err := EnsureCA(dir)
			if tt.wantErr {
				if err == nil {
					t.Fatal("EnsureCA succeeded, want an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("EnsureCA: %v", err)
			}
			if bytes.Equal(got.CertPEM, ca.CertPEM) {
				t.Fatal("want a new CA")
			}
		})
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s has mode %o, want %o", path, got, want)
	}
}

// assertDirHolds checks that no temporary file was left behind.
func assertDirHolds(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	slices.Sort(got)
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Errorf("%s holds %v, want %v", dir, got, names)
	}
}

func mustRemove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
