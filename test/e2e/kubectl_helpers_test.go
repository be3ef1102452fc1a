package e2e

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rudder/test/e2e/cluster"
)

// kubectl binds one kubectl binary to one server.
type kubectl struct {
	s   *cluster.Server
	bin string
}

func (k kubectl) run(t *testing.T, args ...string) cluster.Result {
	t.Helper()
	return k.s.Kubectl(t, k.bin, args...)
}

// ok runs kubectl, fails unless it exits 0, and returns stdout.
func (k kubectl) ok(t *testing.T, args ...string) string {
	t.Helper()
	return k.run(t, args...).OK(t)
}

func (k kubectl) stdin(t *testing.T, in string, args ...string) cluster.Result {
	t.Helper()
	return k.s.KubectlStdin(t, k.bin, in, args...)
}

// jsonpath reads one field of one object.
func (k kubectl) jsonpath(t *testing.T, ns, object, path string) string {
	t.Helper()
	return k.ok(t, "get", object, "-n", ns, "-o", "jsonpath="+path)
}

// expectJSONPath fails unless the field has the wanted value.
func (k kubectl) expectJSONPath(t *testing.T, ns, object, path, want string) {
	t.Helper()
	if got := k.jsonpath(t, ns, object, path); got != want {
		t.Errorf("%s %s = %q, want %q", object, path, got, want)
	}
}

// expectLines fails unless every wanted line is in out (order-free:
// kubectl prints multi-object results in file order, which is not the
// point of these checks).
func expectLines(t *testing.T, out string, want ...string) {
	t.Helper()
	have := map[string]bool{}
	for _, l := range lines(out) {
		have[strings.TrimSpace(l)] = true
	}
	for _, w := range want {
		if !have[w] {
			t.Errorf("output lacks line %q:\n%s", w, out)
		}
	}
}

// expectContains fails unless out contains every wanted substring.
func expectContains(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// lineStream sends each line read from r until r ends or ctx is done.
func lineStream(ctx context.Context, r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			select {
			case ch <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// writeEditor writes a shell script usable as EDITOR that applies a sed
// expression to the file kubectl hands it.
func writeEditor(t *testing.T, sedExpr string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "editor.sh")
	script := "#!/bin/sh\nexec sed -i '" + sedExpr + "' \"$1\"\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatalf("writing editor script: %v", err)
	}
	return path
}
