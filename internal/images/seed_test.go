package images

import (
	"context"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"rudder/internal/registry"
)

func TestSeedStoresBothImagesOnce(t *testing.T) {
	if _, err := os.Stat(DefaultBusybox); err != nil {
		t.Skipf("no %s", DefaultBusybox)
	}
	dir := t.TempDir()
	reg, err := registry.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	src := Sources{GoBinary: goBinary(t), WorkDir: filepath.Dir(testPause(t))}
	if err := SeedFrom(context.Background(), reg, src); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	u, _ := url.Parse(srv.URL)

	bb := testBusybox(t)
	// Pulled the way a node's containerd asks the mirror: path without host.
	for _, ref := range []string{"library/busybox:latest", "library/busybox:" + bb.Version, "pause:3.10"} {
		r, err := name.ParseReference(u.Host+"/"+ref, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		img, err := remote.Image(r)
		if err != nil {
			t.Fatalf("pull %s: %v", ref, err)
		}
		if err := validate.Image(img); err != nil {
			t.Errorf("%s invalid: %v", ref, err)
		}
	}

	// A second seed finds the same digests and rewrites nothing.
	tag := filepath.Join(dir, "repositories/library/busybox/_manifests/tags/latest")
	before, err := os.Stat(tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := SeedFrom(context.Background(), reg, src); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(tag)
	if !os.SameFile(before, after) {
		t.Error("second seed rewrote the busybox tag")
	}
}

func TestSeedReportsMissingBusyboxButSeedsPause(t *testing.T) {
	reg, err := registry.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	src := Sources{GoBinary: goBinary(t), WorkDir: filepath.Dir(testPause(t)), BusyboxPath: "/nonexistent/busybox"}
	if err := SeedFrom(context.Background(), reg, src); err == nil {
		t.Fatal("seed without busybox succeeded")
	}
	if _, ok := reg.Digest(name.MustParseReference(PauseRef)); !ok {
		t.Error("pause image not seeded")
	}
}
