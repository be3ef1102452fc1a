package volume

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/fieldpath"
)

type objects struct {
	cms     map[string]*corev1.ConfigMap
	secrets map[string]*corev1.Secret
}

func (o *objects) ConfigMap(ns, name string) (*corev1.ConfigMap, error) {
	if cm := o.cms[ns+"/"+name]; cm != nil {
		return cm, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("configmap"), name)
}

func (o *objects) Secret(ns, name string) (*corev1.Secret, error) {
	if s := o.secrets[ns+"/"+name]; s != nil {
		return s, nil
	}
	return nil, apierrors.NewNotFound(corev1.Resource("secret"), name)
}

type fakeMounter struct{ mounted map[string]int64 }

func (f *fakeMounter) MountTmpfs(target string, size int64) error {
	f.mounted[target] = size
	return nil
}
func (f *fakeMounter) Unmount(target string) error         { delete(f.mounted, target); return nil }
func (f *fakeMounter) IsMountPoint(p string) (bool, error) { _, ok := f.mounted[p]; return ok, nil }

func newTestManager(t *testing.T) (*Manager, *objects, *fakeMounter) {
	objs := &objects{
		cms: map[string]*corev1.ConfigMap{"ns/cfg": {
			Data: map[string]string{"game.properties": "lives=3", "ui": "dark"}, BinaryData: map[string][]byte{"bin": {0, 1}},
		}},
		secrets: map[string]*corev1.Secret{"ns/creds": {Data: map[string][]byte{"user": []byte("admin"), "pass": []byte("s3cr3t")}}},
	}
	fm := &fakeMounter{mounted: map[string]int64{}}
	return NewManager(Options{RootDir: t.TempDir(), Objects: objs, Mounter: fm,
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}}), objs, fm
}

func podWith(vols ...corev1.Volume) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "uid-1", Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{Volumes: vols, Containers: []corev1.Container{{Name: "c"}}},
	}
}

func ptr[T any](v T) *T { return &v }

func TestAPIDataVolumes(t *testing.T) {
	cases := []struct {
		name   string
		src    corev1.VolumeSource
		plugin string
		files  map[string]string      // path -> content
		modes  map[string]os.FileMode // path -> mode
		err    string
	}{
		{name: "configMap all keys", plugin: "kubernetes.io~configmap",
			src:   corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}},
			files: map[string]string{"game.properties": "lives=3", "ui": "dark", "bin": "\x00\x01"},
			modes: map[string]os.FileMode{"ui": 0o644}},
		{name: "configMap items with modes", plugin: "kubernetes.io~configmap",
			src: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"},
				DefaultMode: ptr(int32(0o600)),
				Items:       []corev1.KeyToPath{{Key: "ui", Path: "conf/ui.txt"}, {Key: "game.properties", Path: "g", Mode: ptr(int32(0o444))}}}},
			files: map[string]string{"conf/ui.txt": "dark", "g": "lives=3"},
			modes: map[string]os.FileMode{"conf/ui.txt": 0o600, "g": 0o444}},
		{name: "configMap missing", err: `configmap "nope" not found`,
			src: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}}}},
		{name: "configMap missing optional", plugin: "kubernetes.io~configmap", files: map[string]string{},
			src: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "nope"}, Optional: ptr(true)}}},
		{name: "configMap missing key", err: "configmap references non-existent config key: nokey",
			src: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"},
				Items: []corev1.KeyToPath{{Key: "nokey", Path: "x"}}}}},
		{name: "secret", plugin: "kubernetes.io~secret",
			src:   corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "creds", DefaultMode: ptr(int32(0o400))}},
			files: map[string]string{"user": "admin", "pass": "s3cr3t"}, modes: map[string]os.FileMode{"pass": 0o400}},
		{name: "secret missing", err: `secret "gone" not found`,
			src: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "gone"}}},
		{name: "downwardAPI", plugin: "kubernetes.io~downward-api",
			src: corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
				{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}},
				{Path: "name", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}},
				{Path: "cpu", ResourceFieldRef: &corev1.ResourceFieldSelector{ContainerName: "c", Resource: "limits.cpu", Divisor: resource.MustParse("1m")}},
			}}},
			files: map[string]string{"labels": `app="web"`, "name": "p", "cpu": "2000"}},
		{name: "projected", plugin: "kubernetes.io~projected",
			src: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}, Items: []corev1.KeyToPath{{Key: "ui", Path: "ui"}}}},
				{Secret: &corev1.SecretProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Items: []corev1.KeyToPath{{Key: "user", Path: "auth/user"}}}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "ns", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}},
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token"}},
			}}},
			files: map[string]string{"ui": "dark", "auth/user": "admin", "ns": "ns"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _, _ := newTestManager(t)
			vols, err := m.SetUp(podWith(corev1.Volume{Name: "v", VolumeSource: tc.src}), fieldpath.Status{})
			if tc.err != "" {
				var se *SetUpError
				if !errors.As(err, &se) || se.Volume != "v" || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want SetUpError for v containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			v := vols["v"]
			if want := filepath.Join(m.PodDir("uid-1"), "volumes", tc.plugin, "v"); v.HostPath != want || !v.ReadOnly {
				t.Fatalf("volume %+v, want read-only at %s", v, want)
			}
			checkFiles(t, v.HostPath, tc.files, tc.modes)
		})
	}
}

func checkFiles(t *testing.T, dir string, files map[string]string, modes map[string]os.FileMode) {
	t.Helper()
	for p, want := range files {
		if got := readFile(t, filepath.Join(dir, p)); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	for p, want := range modes {
		info, err := os.Stat(filepath.Join(dir, p))
		if err != nil || info.Mode().Perm() != want {
			t.Errorf("%s mode %v (%v), want %v", p, info.Mode().Perm(), err, want)
		}
	}
	entries, _ := os.ReadDir(dir)
	visible := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "..") {
			visible++
		}
	}
	top := map[string]bool{}
	for p := range files {
		top[strings.SplitN(p, "/", 2)[0]] = true
	}
	if visible != len(top) {
		t.Errorf("%d visible entries, want %d", visible, len(top))
	}
}

func TestConfigMapUpdateAppearsInPlace(t *testing.T) {
	m, objs, _ := newTestManager(t)
	pod := podWith(corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}})
	vols, err := m.SetUp(pod, fieldpath.Status{})
	if err != nil {
		t.Fatal(err)
	}
	objs.cms["ns/cfg"] = &corev1.ConfigMap{Data: map[string]string{"ui": "light"}}
	if _, err := m.SetUp(pod, fieldpath.Status{}); err != nil {
		t.Fatal(err)
	}
	checkFiles(t, vols["v"].HostPath, map[string]string{"ui": "light"}, nil)
}

func TestEmptyDir(t *testing.T) {
	m, _, fm := newTestManager(t)
	limit := resource.MustParse("64Mi")
	pod := podWith(
		corev1.Volume{Name: "disk", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		corev1.Volume{Name: "mem", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &limit}}},
	)
	vols, err := m.SetUp(pod, fieldpath.Status{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"disk", "mem"} {
		info, err := os.Stat(vols[name].HostPath)
		if err != nil || !info.IsDir() || info.Mode().Perm() != 0o777 || vols[name].ReadOnly {
			t.Fatalf("%s: %+v %v %v", name, vols[name], info, err)
		}
	}
	if len(fm.mounted) != 1 || fm.mounted[vols["mem"].HostPath] != 64<<20 {
		t.Fatalf("tmpfs mounts %v, want one of 64Mi on the memory volume", fm.mounted)
	}
	if _, err := m.SetUp(pod, fieldpath.Status{}); err != nil || len(fm.mounted) != 1 {
		t.Fatalf("second SetUp: %v, mounts %v", err, fm.mounted)
	}
	os.WriteFile(filepath.Join(vols["disk"].HostPath, "data"), []byte("x"), 0o644)
	if err := m.TearDown("uid-1"); err != nil {
		t.Fatal(err)
	}
	if len(fm.mounted) != 0 {
		t.Fatalf("tmpfs not unmounted: %v", fm.mounted)
	}
	if _, err := os.Stat(m.PodDir("uid-1")); !os.IsNotExist(err) {
		t.Fatalf("pod dir not removed: %v", err)
	}
}

func TestHostPathTypes(t *testing.T) {
	base := t.TempDir()
	dir, file := filepath.Join(base, "dir"), filepath.Join(base, "file")
	os.Mkdir(dir, 0o755)
	os.WriteFile(file, nil, 0o644)
	sock := filepath.Join(base, "s.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cases := []struct {
		path   string
		typ    corev1.HostPathType
		ok     bool
		create string // "dir" or "file" expected afterwards
	}{
		{filepath.Join(base, "anything"), corev1.HostPathUnset, true, ""},
		{dir, corev1.HostPathDirectory, true, ""},
		{file, corev1.HostPathDirectory, false, ""},
		{filepath.Join(base, "missing"), corev1.HostPathDirectory, false, ""},
		{filepath.Join(base, "new/dir"), corev1.HostPathDirectoryOrCreate, true, "dir"},
		{file, corev1.HostPathDirectoryOrCreate, false, ""},
		{file, corev1.HostPathFile, true, ""},
		{dir, corev1.HostPathFile, false, ""},
		{filepath.Join(base, "newfile"), corev1.HostPathFileOrCreate, true, "file"},
		{filepath.Join(base, "noparent/f"), corev1.HostPathFileOrCreate, false, ""},
		{sock, corev1.HostPathSocket, true, ""},
		{file, corev1.HostPathSocket, false, ""},
		{file, corev1.HostPathCharDev, false, ""},
	}
	m, _, _ := newTestManager(t)
	for _, tc := range cases {
		typ := tc.typ
		vols, err := m.SetUp(podWith(corev1.Volume{Name: "h", VolumeSource: corev1.VolumeSource{
			HostPath: &corev1.HostPathVolumeSource{Path: tc.path, Type: &typ}}}), fieldpath.Status{})
		if (err == nil) != tc.ok {
			t.Errorf("%s %q: err %v, want ok=%v", tc.path, typ, err, tc.ok)
			continue
		}
		if tc.ok && vols["h"].HostPath != tc.path {
			t.Errorf("%s: host path %q", tc.path, vols["h"].HostPath)
		}
		if tc.create != "" {
			info, err := os.Stat(tc.path)
			if err != nil || info.IsDir() != (tc.create == "dir") {
				t.Errorf("%s not created as %s: %v", tc.path, tc.create, err)
			}
		}
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	objs := &objects{cms: map[string]*corev1.ConfigMap{}}
	m := NewManager(Options{Objects: objs, Mounter: &fakeMounter{mounted: map[string]int64{}}})
	pod := podWith(corev1.Volume{Name: "v", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
		LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}})
	if _, err := m.SetUp(pod, fieldpath.Status{}); err == nil {
		t.Fatal("dry run did not report the missing configmap")
	}
	objs.cms["ns/cfg"] = &corev1.ConfigMap{}
	vols, err := m.SetUp(pod, fieldpath.Status{})
	if err != nil || vols["v"].HostPath != "" {
		t.Fatalf("dry run: %+v %v", vols, err)
	}
	mounts, err := ContainerMounts(&corev1.Container{Name: "c", VolumeMounts: []corev1.VolumeMount{{Name: "v", MountPath: "/etc/c"}}}, vols, nil)
	if err != nil || len(mounts) != 0 {
		t.Fatalf("dry run mounts %v %v", mounts, err)
	}
}

func TestContainerMounts(t *testing.T) {
	m, _, _ := newTestManager(t)
	pod := podWith(
		corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
		corev1.Volume{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "cfg"}}}},
	)
	vols, err := m.SetUp(pod, fieldpath.Status{})
	if err != nil {
		t.Fatal(err)
	}
	hostToContainer := corev1.MountPropagationHostToContainer
	c := &corev1.Container{Name: "c", VolumeMounts: []corev1.VolumeMount{
		{Name: "data", MountPath: "/data"},
		{Name: "data", MountPath: "/ro", ReadOnly: true, MountPropagation: &hostToContainer},
		{Name: "data", MountPath: "/sub", SubPathExpr: "$(POD)/logs"},
		{Name: "cfg", MountPath: "/etc/ui", SubPath: "ui"},
	}}
	expand := func(s string) string { return strings.ReplaceAll(s, "$(POD)", "p") }
	mounts, err := ContainerMounts(c, vols, expand)
	if err != nil {
		t.Fatal(err)
	}
	data := vols["data"].HostPath
	want := []*runtimeapi.Mount{
		{ContainerPath: "/data", HostPath: data},
		{ContainerPath: "/ro", HostPath: data, Readonly: true, Propagation: runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER},
		{ContainerPath: "/sub", HostPath: filepath.Join(data, "p/logs")},
		{ContainerPath: "/etc/ui", Readonly: true},
	}
	for i, w := range want {
		g := mounts[i]
		if g.ContainerPath != w.ContainerPath || g.Readonly != w.Readonly || g.Propagation != w.Propagation || (w.HostPath != "" && g.HostPath != w.HostPath) {
			t.Errorf("mount %d = %+v, want %+v", i, g, w)
		}
	}
	if info, err := os.Stat(mounts[2].HostPath); err != nil || !info.IsDir() {
		t.Errorf("subPath dir not created: %v", err)
	}
	if got := readFile(t, mounts[3].HostPath); got != "dark" {
		t.Errorf("configMap subPath file = %q", got)
	}
	for _, bad := range []string{"../escape", "/abs"} {
		c := &corev1.Container{Name: "c", VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/x", SubPath: bad}}}
		if _, err := ContainerMounts(c, vols, expand); err == nil {
			t.Errorf("subPath %q accepted", bad)
		}
	}
	os.Symlink("/etc", filepath.Join(data, "link"))
	c = &corev1.Container{Name: "c", VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/x", SubPath: "link"}}}
	if _, err := ContainerMounts(c, vols, expand); err == nil {
		t.Error("subPath through a symlink out of the volume accepted")
	}
	c = &corev1.Container{Name: "c", VolumeMounts: []corev1.VolumeMount{{Name: "nope", MountPath: "/x"}}}
	if _, err := ContainerMounts(c, vols, expand); err == nil {
		t.Error("mount of an unknown volume accepted")
	}
}
