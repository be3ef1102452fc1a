package images

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The pause program's source travels inside the rudder binary, so that the
// image can be built on any machine with a Go toolchain, without the
// project's source tree.
//
//go:embed pause/main.go
var pauseSource embed.FS

const pauseGoMod = "module rudder.local/pause\n\ngo 1.22\n"

// BuildPause compiles the pause program with goBinary into outDir/pause and
// returns its path. The build is reproducible (static, -trimpath, no build
// id): the same Go version gives the same bytes on every machine. A binary
// already built from the same source by the same Go version is reused.
func BuildPause(ctx context.Context, goBinary, outDir string) (string, error) {
	src, err := pauseSource.ReadFile("pause/main.go")
	if err != nil {
		return "", fmt.Errorf("read embedded pause source: %w", err)
	}
	goVersion, err := goEnv(ctx, goBinary, "GOVERSION")
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(append(append(src, pauseGoMod...), goVersion...))
	key := hex.EncodeToString(sum[:])
	out := filepath.Join(outDir, "pause")
	if cached, err := os.ReadFile(out + ".key"); err == nil && string(cached) == key {
		if _, err := os.Stat(out); err == nil {
			return out, nil
		}
	}
	if err := compilePause(ctx, goBinary, outDir, src); err != nil {
		return "", err
	}
	if err := os.WriteFile(out+".key", []byte(key), 0o644); err != nil {
		return "", fmt.Errorf("record pause build key: %w", err)
	}
	return out, nil
}

func compilePause(ctx context.Context, goBinary, outDir string, src []byte) error {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", outDir, err)
	}
	modDir, err := os.MkdirTemp(outDir, "pause-src-")
	if err != nil {
		return fmt.Errorf("create pause build dir: %w", err)
	}
	defer os.RemoveAll(modDir)
	if err := os.WriteFile(filepath.Join(modDir, "go.mod"), []byte(pauseGoMod), 0o644); err != nil {
		return fmt.Errorf("write pause go.mod: %w", err)
	}
	if err := os.WriteFile(filepath.Join(modDir, "main.go"), src, 0o644); err != nil {
		return fmt.Errorf("write pause source: %w", err)
	}
	out, err := filepath.Abs(filepath.Join(outDir, "pause"))
	if err != nil {
		return err
	}
	// Build to a temp name and rename, so a concurrent reader never sees half a binary.
	tmp := out + ".tmp"
	cmd := exec.CommandContext(ctx, goBinary, "build", "-trimpath", "-ldflags=-s -w -buildid=", "-o", tmp, ".")
	cmd.Dir = modDir
	cmd.Env = pauseBuildEnv(outDir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build pause: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	if err := os.Rename(tmp, out); err != nil {
		return fmt.Errorf("install pause binary: %w", err)
	}
	return nil
}

// pauseBuildEnv pins everything that changes the output bytes, and keeps the
// go command from downloading a toolchain (there is no internet).
func pauseBuildEnv(outDir string) []string {
	env := append(os.Environ(),
		"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOAMD64=v1",
		"GOFLAGS=", "GOTOOLCHAIN=local", "GOWORK=off", "GO111MODULE=on", "GOEXPERIMENT=",
	)
	if os.Getenv("GOCACHE") == "" && os.Getenv("HOME") == "" && os.Getenv("XDG_CACHE_HOME") == "" {
		// A daemon may run with no HOME; the go command needs a build cache.
		env = append(env, "GOCACHE="+filepath.Join(outDir, "gocache"))
	}
	return env
}

func goEnv(ctx context.Context, goBinary, key string) (string, error) {
	cmd := exec.CommandContext(ctx, goBinary, "env", key)
	cmd.Dir = os.TempDir() // outside any module, whose go line could ask for another toolchain
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("run %s env %s: %w", goBinary, key, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// findGo locates the Go toolchain: PATH first, then the usual install place.
func findGo() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/local/go/bin/go", "/usr/lib/go/bin/go"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Go toolchain found (needed to build the pause image)")
}
