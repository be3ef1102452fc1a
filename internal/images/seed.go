package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"rudder/internal/registry"
)

// References of the base images. containerd's sandbox_image is PauseRef; a
// pod's "busybox" normalises to BusyboxRef.
const (
	PauseRef   = "registry.k8s.io/pause:3.10"
	BusyboxRef = "docker.io/library/busybox:latest"
)

// BuildPauseImage makes the pause image from a built pause binary.
func BuildPauseImage(binaryPath string) (v1.Image, error) {
	bin, err := os.ReadFile(binaryPath)
	if err != nil {
		return nil, fmt.Errorf("read pause binary: %w", err)
	}
	cfg := v1.Config{Entrypoint: []string{"/pause"}, User: "65535:65535"}
	img, err := singleLayerImage([]entry{file("pause", 0o755, bin)}, cfg, "rudder: static pause binary")
	if err != nil {
		return nil, fmt.Errorf("build pause image: %w", err)
	}
	return img, nil
}

// Sources says where the base images come from. Empty fields take defaults.
type Sources struct {
	GoBinary    string // Go toolchain that builds pause; default: PATH, then /usr/local/go/bin/go
	BusyboxPath string // static busybox; default DefaultBusybox
	WorkDir     string // where pause is built and cached; default <user cache dir>/rudder/images
}

func (s Sources) withDefaults() (Sources, error) {
	if s.BusyboxPath == "" {
		s.BusyboxPath = DefaultBusybox
	}
	if s.WorkDir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			cache = os.TempDir()
		}
		s.WorkDir = filepath.Join(cache, "rudder", "images")
	}
	if s.GoBinary == "" {
		g, err := findGo()
		if err != nil {
			return s, err
		}
		s.GoBinary = g
	}
	return s, nil
}

// Seed builds the pause and busybox images and stores them in reg unless
// the same digests are already there, so a restart rewrites nothing.
func Seed(ctx context.Context, reg *registry.Registry) error {
	return SeedFrom(ctx, reg, Sources{})
}

// SeedFrom is Seed with explicit sources. A failure with one image does not
// stop the other from being seeded; both errors are returned.
func SeedFrom(ctx context.Context, reg *registry.Registry, src Sources) error {
	src, err := src.withDefaults()
	if err != nil {
		return fmt.Errorf("seed images: %w", err)
	}
	return errors.Join(seedPause(ctx, reg, src), seedBusybox(ctx, reg, src))
}

func seedPause(ctx context.Context, reg *registry.Registry, src Sources) error {
	bin, err := BuildPause(ctx, src.GoBinary, src.WorkDir)
	if err != nil {
		return fmt.Errorf("seed pause image: %w", err)
	}
	img, err := BuildPauseImage(bin)
	if err != nil {
		return fmt.Errorf("seed pause image: %w", err)
	}
	return putIfChanged(ctx, reg, img, PauseRef)
}

func seedBusybox(ctx context.Context, reg *registry.Registry, src Sources) error {
	bb, err := BuildBusybox(ctx, src.BusyboxPath)
	if err != nil {
		return fmt.Errorf("seed busybox image: %w", err)
	}
	refs := make([]string, 0, 3)
	for _, tag := range busyboxTags(bb.Version) {
		refs = append(refs, "docker.io/library/busybox:"+tag)
	}
	return putIfChanged(ctx, reg, bb.Image, refs...)
}

// putIfChanged stores img under each ref whose stored digest differs.
func putIfChanged(ctx context.Context, reg *registry.Registry, img v1.Image, refs ...string) error {
	want, err := img.Digest()
	if err != nil {
		return fmt.Errorf("image digest: %w", err)
	}
	for _, s := range refs {
		ref, err := name.ParseReference(s)
		if err != nil {
			return fmt.Errorf("parse %s: %w", s, err)
		}
		if got, ok := reg.Digest(ref); ok && got == want {
			continue
		}
		if err := reg.PutImage(ctx, ref, img); err != nil {
			return err
		}
	}
	return nil
}
