package images

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

func testBusybox(t *testing.T) Busybox {
	t.Helper()
	if _, err := os.Stat(DefaultBusybox); err != nil {
		t.Skipf("no %s (apt-get install busybox-static)", DefaultBusybox)
	}
	bb, err := BuildBusybox(context.Background(), DefaultBusybox)
	if err != nil {
		t.Fatal(err)
	}
	return bb
}

func TestBusyboxIsReproducible(t *testing.T) {
	a, b := testBusybox(t), testBusybox(t)
	da, _ := a.Image.Digest()
	db, _ := b.Image.Digest()
	if da != db {
		t.Errorf("two builds differ: %s and %s", da, db)
	}
	cf, _ := a.Image.ConfigFile()
	if cf.OS != "linux" || cf.Architecture != "amd64" || !reflect.DeepEqual(cf.Config.Cmd, []string{"sh"}) {
		t.Errorf("config = %s/%s cmd %v", cf.OS, cf.Architecture, cf.Config.Cmd)
	}
}

func TestBusyboxRootfs(t *testing.T) {
	bb := testBusybox(t)
	files := map[string]*tar.Header{}
	rc := mutate.Extract(bb.Image)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Clean(h.Name)] = h
	}
	tests := []struct {
		path     string
		typeflag byte
		mode     int64
		target   string
	}{
		{"bin/busybox", tar.TypeReg, 0o755, ""},
		{"bin/sh", tar.TypeSymlink, 0o777, "/bin/busybox"},
		{"bin/ls", tar.TypeSymlink, 0o777, "/bin/busybox"},
		{"usr/bin/wget", tar.TypeSymlink, 0o777, "/bin/busybox"},
		{"tmp", tar.TypeDir, 0o1777, ""},
		{"root", tar.TypeDir, 0o700, ""},
		{"var/www", tar.TypeDir, 0o755, ""},
		{"etc/passwd", tar.TypeReg, 0o644, ""},
		{"etc/group", tar.TypeReg, 0o644, ""},
	}
	for _, tc := range tests {
		h, ok := files[tc.path]
		if !ok {
			t.Errorf("%s missing", tc.path)
			continue
		}
		if h.Typeflag != tc.typeflag || h.Mode != tc.mode || h.Linkname != tc.target || !h.ModTime.Equal(epoch) {
			t.Errorf("%s: type %c mode %o target %q mtime %v", tc.path, h.Typeflag, h.Mode, h.Linkname, h.ModTime)
		}
	}
	for _, applet := range []string{"httpd", "nc", "sleep", "cat", "echo"} {
		if !hasApplet(files, applet) {
			t.Errorf("no link for applet %s", applet)
		}
	}
	if got := busyboxTags(bb.Version); len(got) != 3 || got[0] != "latest" {
		t.Errorf("tags for %s = %v", bb.Version, got)
	}
}

func hasApplet(files map[string]*tar.Header, applet string) bool {
	for _, d := range []string{"bin", "sbin", "usr/bin", "usr/sbin"} {
		if _, ok := files[d+"/"+applet]; ok {
			return true
		}
	}
	return false
}

// TestBusyboxRootfsRuns unpacks the image and runs its shell in a chroot:
// the links, PATH and /tmp must work together.
func TestBusyboxRootfsRuns(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chroot needs root")
	}
	bb := testBusybox(t)
	root := t.TempDir()
	unpack(t, bb.Image, root)
	cmd := exec.Command("/bin/sh", "-c", "echo hello > /tmp/x && cat /tmp/x && whoami")
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	cmd.Env = []string{defaultPath}
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "hello\nroot\n" {
		t.Fatalf("shell in image: %v: %q", err, out)
	}
}

func unpack(t *testing.T, img v1.Image, root string) {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, filepath.Clean(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(dst, os.FileMode(h.Mode).Perm())
		case tar.TypeSymlink:
			err = os.Symlink(h.Linkname, dst)
		case tar.TypeReg:
			var b []byte
			if b, err = io.ReadAll(tr); err == nil {
				err = os.WriteFile(dst, b, os.FileMode(h.Mode).Perm())
			}
		}
		if err != nil {
			t.Fatalf("unpack %s: %v", h.Name, err)
		}
	}
}
