package images

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path"
	"regexp"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DefaultBusybox is where Debian's busybox-static package installs the binary.
const DefaultBusybox = "/bin/busybox"

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Busybox is a built busybox image and the version the binary reports.
type Busybox struct {
	Image   v1.Image
	Version string // e.g. 1.35.0
}

// BuildBusybox makes the base image from a static busybox binary: the binary
// at /bin/busybox, a symlink for every applet it lists, and the few files
// and directories programs expect.
func BuildBusybox(ctx context.Context, busyboxPath string) (Busybox, error) {
	bin, err := os.ReadFile(busyboxPath)
	if err != nil {
		return Busybox{}, fmt.Errorf("read busybox: %w", err)
	}
	version, err := busyboxVersion(ctx, busyboxPath)
	if err != nil {
		return Busybox{}, err
	}
	applets, err := busyboxApplets(ctx, busyboxPath)
	if err != nil {
		return Busybox{}, err
	}
	entries := append(baseRootfs(), file("bin/busybox", 0o755, bin))
	entries = append(entries, appletLinks(applets)...)
	cfg := v1.Config{Cmd: []string{"sh"}, Env: []string{defaultPath}}
	img, err := singleLayerImage(entries, cfg, "rudder: busybox "+version+" static rootfs")
	if err != nil {
		return Busybox{}, fmt.Errorf("build busybox image: %w", err)
	}
	return Busybox{Image: img, Version: version}, nil
}

func baseRootfs() []entry {
	return []entry{
		dir("bin", 0o755), dir("sbin", 0o755), dir("usr", 0o755), dir("usr/bin", 0o755), dir("usr/sbin", 0o755),
		dir("dev", 0o755), dir("proc", 0o755), dir("sys", 0o755), dir("etc", 0o755), dir("home", 0o755),
		dir("root", 0o700), dir("tmp", 0o1777), dir("var", 0o755), dir("var/www", 0o755),
		file("etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n")),
		file("etc/group", 0o644, []byte("root:x:0:\nnobody:x:65534:\n")),
	}
}

// appletLinks links each applet path (usr/bin/wget) to the binary. Paths
// without a directory (linuxrc) are for an initramfs and are left out.
func appletLinks(applets []string) []entry {
	var links []entry
	dirs := map[string]bool{"bin": true, "sbin": true, "usr/bin": true, "usr/sbin": true}
	seen := map[string]bool{"bin/busybox": true}
	for _, a := range applets {
		if seen[a] || !dirs[path.Dir(a)] {
			continue
		}
		seen[a] = true
		links = append(links, symlink(a, "/bin/busybox"))
	}
	return links
}

var versionRE = regexp.MustCompile(`BusyBox v(\d+\.\d+\.\d+)`)

func busyboxVersion(ctx context.Context, busyboxPath string) (string, error) {
	out, err := exec.CommandContext(ctx, busyboxPath).CombinedOutput()
	if m := versionRE.FindSubmatch(out); m != nil {
		return string(m[1]), nil
	}
	return "", fmt.Errorf("busybox %s reports no version (%v): %.80q", busyboxPath, err, out)
}

// busyboxApplets lists the applets with their install paths (--list-full);
// a build without that option lists names only, which then go in bin/.
func busyboxApplets(ctx context.Context, busyboxPath string) ([]string, error) {
	if out, err := exec.CommandContext(ctx, busyboxPath, "--list-full").Output(); err == nil {
		return strings.Fields(string(out)), nil
	}
	out, err := exec.CommandContext(ctx, busyboxPath, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("list busybox applets: %w", err)
	}
	var applets []string
	for _, name := range strings.Fields(string(out)) {
		applets = append(applets, "bin/"+name)
	}
	return applets, nil
}

// busyboxTags are the tags the image is pushed under: latest, 1.35, 1.35.0.
func busyboxTags(version string) []string {
	tags := []string{"latest", version}
	if i := strings.LastIndex(version, "."); i > 0 {
		tags = append(tags, version[:i])
	}
	return tags
}
