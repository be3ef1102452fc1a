package registry

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

func randomIndex(t *testing.T) v1.ImageIndex {
	t.Helper()
	idx, err := random.Index(1024, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestImportDockerArchive(t *testing.T) {
	tr := newTestRegistry(t, "")
	img := randomImage(t)
	path := filepath.Join(t.TempDir(), "images.tar")
	refs := map[name.Reference]v1.Image{
		name.MustParseReference("busybox:latest"):             img,
		name.MustParseReference("example.com/team/app:1.0.0"): img,
	}
	if err := tarball.MultiRefWriteToFile(path, refs); err != nil {
		t.Fatal(err)
	}
	got, err := tr.reg.Import(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"docker.io/library/busybox:latest": true, "example.com/team/app:1.0.0": true}
	if len(got) != len(want) || !want[got[0]] || !want[got[1]] {
		t.Errorf("imported %v, want %v", got, want)
	}
	// Both are served where a mirror is asked for them.
	for _, repo := range []string{"library/busybox:latest", "team/app:1.0.0"} {
		pulled, err := remote.Image(tr.ref(t, repo))
		if err != nil {
			t.Fatalf("pull %s: %v", repo, err)
		}
		assertSameContent(t, pulled, img)
	}
}

// assertSameContent compares config and uncompressed layers: a docker
// archive holds layers uncompressed, so the manifest digest may change.
func assertSameContent(t *testing.T, got, want v1.Image) {
	t.Helper()
	if err := validate.Image(got); err != nil {
		t.Fatalf("invalid image: %v", err)
	}
	gc, _ := got.ConfigName()
	wc, _ := want.ConfigName()
	if gc != wc {
		t.Errorf("config %s, want %s", gc, wc)
	}
}

func writeLayout(t *testing.T, img v1.Image, idx v1.ImageIndex) string {
	t.Helper()
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{annotationRefName: "registry.k8s.io/pause:3.10"})); err != nil {
		t.Fatal(err)
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{annotationContainerdName: "docker.io/library/multi:v1"})); err != nil {
		t.Fatal(err)
	}
	// A bare tag names no repository: skipped.
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{annotationRefName: "latest"})); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestImportOCILayout(t *testing.T) {
	img, idx := randomImage(t), randomIndex(t)
	dir := writeLayout(t, img, idx)
	tarPath := filepath.Join(t.TempDir(), "layout.tar")
	tarDir(t, dir, tarPath)

	for _, src := range []struct{ name, path string }{{"directory", dir}, {"tarball", tarPath}} {
		t.Run(src.name, func(t *testing.T) {
			tr := newTestRegistry(t, "")
			got, err := tr.reg.Import(context.Background(), src.path)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"registry.k8s.io/pause:3.10", "docker.io/library/multi:v1"}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("imported %v, want %v", got, want)
			}
			pulled, err := remote.Image(tr.ref(t, "pause:3.10"))
			if err != nil {
				t.Fatal(err)
			}
			if digestOf(t, pulled) != digestOf(t, img) {
				t.Error("image digest changed by import")
			}
			pulledIdx, err := remote.Index(tr.ref(t, "library/multi:v1"))
			if err != nil {
				t.Fatal(err)
			}
			if err := validate.Index(pulledIdx); err != nil {
				t.Errorf("imported index invalid: %v", err)
			}
		})
	}
}

func TestImportRejectsOtherFiles(t *testing.T) {
	tr := newTestRegistry(t, "")
	path := filepath.Join(t.TempDir(), "x.tar")
	tarDir(t, t.TempDir(), path) // an empty tar
	if _, err := tr.reg.Import(context.Background(), path); err == nil {
		t.Error("import of an empty tar succeeded")
	}
	if _, err := tr.reg.Import(context.Background(), filepath.Join(t.TempDir(), "missing.tar")); err == nil {
		t.Error("import of a missing file succeeded")
	}
}

func tarDir(t *testing.T, dir, dst string) {
	t.Helper()
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if err := tw.WriteHeader(&tar.Header{Name: filepath.ToSlash(rel), Mode: 0o644, Size: fi.Size(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		src, err := os.Open(path)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}
