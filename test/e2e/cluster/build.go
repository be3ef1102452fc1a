// Package cluster starts real `rudder server` processes for end-to-end tests
// and runs real kubectl binaries against them.
package cluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// BinaryEnv names an environment variable that, when set, points at a
// prebuilt rudder binary, so CI can build once for several test packages.
const BinaryEnv = "RUDDER_E2E_BINARY"

// builder builds ./cmd/rudder at most once per test binary: every server in
// a package shares one build, which is the slow part on a 2-core machine.
var builder struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// Build returns the path of a rudder binary built from this module's
// ./cmd/rudder, building it on first use. It fails the test if the build
// fails.
func Build(t testing.TB) string {
	t.Helper()
	builder.once.Do(func() { builder.path, builder.err = build() })
	if builder.err != nil {
		t.Fatalf("building rudder: %v", builder.err)
	}
	return builder.path
}

func build() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		return p, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "rudder-e2e-bin-")
	if err != nil {
		return "", fmt.Errorf("temp dir for the binary: %w", err)
	}
	builder.dir = dir
	out := filepath.Join(dir, "rudder")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/rudder")
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/rudder: %w\n%s", err, msg)
	}
	return out, nil
}

// Main runs a package's tests and then removes the built binary; call it
// from TestMain: `func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }`.
func Main(m *testing.M) int {
	code := m.Run()
	if builder.dir != "" {
		_ = os.RemoveAll(builder.dir)
	}
	return code
}

// ModuleRoot walks up from the working directory to the directory holding
// go.mod (tests run in their package directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("looking for go.mod: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}
