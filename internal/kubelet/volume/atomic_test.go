package volume

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return string(b)
}

func TestAtomicWriterUpdatesInPlace(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vol")
	w := &atomicWriter{dir: dir}
	if err := w.Write(map[string]File{"a": {Data: []byte("one"), Mode: 0o644}, "sub/b": {Data: []byte("bee"), Mode: 0o600}}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "a")); got != "one" {
		t.Fatalf("a = %q", got)
	}
	if info, err := os.Stat(filepath.Join(dir, "sub", "b")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("sub/b mode %v, %v; want 0600", info, err)
	}
	if l, err := os.Readlink(filepath.Join(dir, "a")); err != nil || l != "..data/a" {
		t.Fatalf("a is not a link through ..data: %q %v", l, err)
	}
	firstTarget, _ := os.Readlink(filepath.Join(dir, dataLink))

	// The old content stays visible until the ..data link is switched.
	w.beforeSwap = func() {
		if got := readFile(t, filepath.Join(dir, "a")); got != "one" {
			t.Errorf("before the swap a = %q, want the old content", got)
		}
	}
	if err := w.Write(map[string]File{"a": {Data: []byte("two"), Mode: 0o644}}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "a")); got != "two" {
		t.Fatalf("after update a = %q", got)
	}
	if _, err := os.Lstat(filepath.Join(dir, "sub")); !os.IsNotExist(err) {
		t.Fatalf("link of a removed key still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, firstTarget)); !os.IsNotExist(err) {
		t.Fatalf("old payload dir %s not removed", firstTarget)
	}
}

func TestAtomicWriterNoChangeWritesNothing(t *testing.T) {
	dir := t.TempDir()
	w := &atomicWriter{dir: dir}
	payload := map[string]File{"k": {Data: []byte("v"), Mode: 0o644}}
	if err := w.Write(payload); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Readlink(filepath.Join(dir, dataLink))
	swapped := false
	w.beforeSwap = func() { swapped = true }
	if err := w.Write(payload); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Readlink(filepath.Join(dir, dataLink))
	if swapped || before != after {
		t.Fatalf("identical payload rewrote the volume (%s -> %s)", before, after)
	}
	// A mode change alone is a change.
	if err := w.Write(map[string]File{"k": {Data: []byte("v"), Mode: 0o400}}); err != nil {
		t.Fatal(err)
	}
	if !swapped {
		t.Fatal("mode change not written")
	}
}

func TestAtomicWriterRejectsEscapingPaths(t *testing.T) {
	for _, p := range []string{"../x", "a/../../x", "/etc/passwd", "..data", ""} {
		err := (&atomicWriter{dir: t.TempDir()}).Write(map[string]File{p: {Data: []byte("x"), Mode: 0o644}})
		if err == nil || !strings.Contains(err.Error(), "invalid path") {
			t.Errorf("path %q: err %v, want invalid path", p, err)
		}
	}
}
