package containerd

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sections reads the subset of TOML our renderer writes: [section] headers
// and key = value lines, into section → key → raw value.
func sections(t *testing.T, doc string) map[string]map[string]string {
	t.Helper()
	out := map[string]map[string]string{"": {}}
	cur := ""
	sc := bufio.NewScanner(strings.NewReader(doc))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "":
		case strings.HasPrefix(line, "["):
			cur = strings.Trim(line, "[]")
			if out[cur] != nil {
				t.Fatalf("section %s twice", cur)
			}
			out[cur] = map[string]string{}
		default:
			k, v, ok := strings.Cut(line, " = ")
			if !ok {
				t.Fatalf("bad line %q", line)
			}
			out[cur][k] = v
		}
	}
	return out
}

func TestRenderConfig(t *testing.T) {
	o, err := Options{DataDir: "/d"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := newPaths(o.DataDir)
	got := sections(t, renderConfig(o, p))
	const cri = `plugins."io.containerd.grpc.v1.cri"`
	tests := []struct{ section, key, want string }{
		{"", "version", "2"},
		{"", "root", `"/d/containerd/root"`},
		{"", "state", `"/d/containerd/state"`},
		{"", "oom_score", "0"},
		{"grpc", "address", `"/d/containerd/containerd.sock"`},
		{cri, "sandbox_image", `"registry.k8s.io/pause:3.10"`},
		{cri, "restrict_oom_score_adj", "true"},
		{cri, "netns_mounts_under_state_dir", "true"},
		{cri + ".containerd", "snapshotter", `"overlayfs"`},
		{cri + ".containerd", "default_runtime_name", `"runc"`},
		{cri + ".containerd.runtimes.runc", "runtime_type", `"io.containerd.runc.v2"`},
		{cri + ".containerd.runtimes.runc.options", "SystemdCgroup", "false"},
		{cri + ".containerd.runtimes.runc.options", "Root", `"/d/containerd/state/runc"`},
		{cri + ".cni", "bin_dir", `"/usr/lib/cni"`},
		{cri + ".cni", "conf_dir", `"/d/containerd/cni/net.d"`},
		{cri + ".registry", "config_path", `"/d/containerd/certs.d"`},
	}
	for _, tt := range tests {
		if v := got[tt.section][tt.key]; v != tt.want {
			t.Errorf("[%s] %s = %s, want %s", tt.section, tt.key, v, tt.want)
		}
	}
}

func TestHostsTOML(t *testing.T) {
	tests := []struct {
		name, url, ca string
		want          map[string]string
	}{
		{"loopback http", "http://127.0.0.1:5000/", "/ca.crt", map[string]string{
			"server": `"http://127.0.0.1:5000"`, "capabilities": `["pull", "resolve"]`, "ca": "",
		}},
		{"https with CA", "https://10.0.0.1:6443", "/ca.crt", map[string]string{
			"server": `"https://10.0.0.1:6443"`, "ca": `"/ca.crt"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sections(t, hostsTOML(tt.url, tt.ca))
			host := s[`host."`+strings.TrimSuffix(tt.url, "/")+`"`]
			if host == nil {
				t.Fatalf("no host section in\n%s", hostsTOML(tt.url, tt.ca))
			}
			for k, want := range tt.want {
				v := host[k]
				if k == "server" {
					v = s[""][k]
				}
				if v != want {
					t.Errorf("%s = %q, want %q", k, v, want)
				}
			}
		})
	}
}

func TestWriteConfigFilesMirrorsRegistries(t *testing.T) {
	dir := t.TempDir()
	o, err := Options{DataDir: dir, RegistryURL: "http://127.0.0.1:5123"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPaths(o.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(p.certsDir, "old.example:1", "hosts.toml")
	os.MkdirAll(filepath.Dir(stale), 0o755)
	os.WriteFile(stale, []byte("x"), 0o644)
	if err := writeConfigFiles(o, p); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"docker.io", "registry.k8s.io", "127.0.0.1:5123"} {
		data, err := os.ReadFile(filepath.Join(p.certsDir, h, "hosts.toml"))
		if err != nil {
			t.Errorf("no hosts.toml for %s: %v", h, err)
			continue
		}
		if !strings.Contains(string(data), `server = "http://127.0.0.1:5123"`) {
			t.Errorf("hosts.toml for %s does not point at the registry:\n%s", h, data)
		}
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("hosts.toml of a previous registry survived: %v", err)
	}
}

func TestOptionsRejected(t *testing.T) {
	tests := []struct {
		name string
		o    Options
	}{
		{"no data dir", Options{}},
		{"registry without scheme", Options{DataDir: "/d", RegistryURL: "127.0.0.1:5000"}},
		{"registry ftp", Options{DataDir: "/d", RegistryURL: "ftp://x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.o.withDefaults(); err == nil {
				t.Errorf("%+v accepted", tt.o)
			}
		})
	}
	if _, err := newPaths("/" + strings.Repeat("x", 100)); err == nil {
		t.Error("a socket path over 108 bytes was accepted")
	}
}
