package kubelet

import (
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/volume"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s mismatch:\n--- got ---\n%s--- want ---\n%s", name, got, want)
	}
}

const hostResolv = `# the node's resolver
nameserver 192.168.0.53
nameserver 192.168.0.54
search corp.example
options timeout:2
`

func dnsKubelet(t *testing.T) *Kubelet {
	resolv := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(resolv, []byte(hostResolv), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Config{ClusterDNS: []string{"10.43.0.10"}, ClusterDomain: "cluster.local", ResolvConf: resolv, Logger: slog.Default()}
	return &Kubelet{cfg: cfg, log: slog.Default()}
}

func dnsPod(mutate func(*corev1.Pod)) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "shop", UID: "u1"}}
	if mutate != nil {
		mutate(pod)
	}
	return pod
}

func TestResolvConfGolden(t *testing.T) {
	ndots := "2"
	cases := map[string]func(*corev1.Pod){
		"resolv-clusterfirst": nil,
		"resolv-hostnetwork":  func(p *corev1.Pod) { p.Spec.HostNetwork = true },
		"resolv-clusterfirstwithhostnet": func(p *corev1.Pod) {
			p.Spec.HostNetwork, p.Spec.DNSPolicy = true, corev1.DNSClusterFirstWithHostNet
		},
		"resolv-default": func(p *corev1.Pod) { p.Spec.DNSPolicy = corev1.DNSDefault },
		"resolv-none-dnsconfig": func(p *corev1.Pod) {
			p.Spec.DNSPolicy = corev1.DNSNone
			p.Spec.DNSConfig = &corev1.PodDNSConfig{Nameservers: []string{"1.1.1.1"}, Searches: []string{"a.example"},
				Options: []corev1.PodDNSConfigOption{{Name: "ndots", Value: &ndots}, {Name: "edns0"}}}
		},
		"resolv-clusterfirst-merge": func(p *corev1.Pod) {
			p.Spec.DNSConfig = &corev1.PodDNSConfig{Nameservers: []string{"10.43.0.10", "8.8.8.8", "9.9.9.9", "1.1.1.1"},
				Searches: []string{"svc.cluster.local", "extra.example"},
				Options:  []corev1.PodDNSConfigOption{{Name: "ndots", Value: &ndots}}}
		},
	}
	k := dnsKubelet(t)
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			golden(t, name, k.podResolver(dnsPod(mutate)).render())
		})
	}
}

func TestHostsGolden(t *testing.T) {
	hostFile := []byte("127.0.0.1 localhost\n192.168.0.10 node-a\n")
	cases := map[string]func(*corev1.Pod){
		"hosts-plain": nil,
		"hosts-subdomain-aliases": func(p *corev1.Pod) {
			p.Spec.Hostname, p.Spec.Subdomain = "db", "headless"
			p.Spec.HostAliases = []corev1.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"foo.local", "bar.local"}}}
		},
		"hosts-hostnetwork": func(p *corev1.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.HostAliases = []corev1.HostAlias{{IP: "10.1.2.3", Hostnames: []string{"foo.local"}}}
		},
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			golden(t, name, podHostsFile(dnsPod(mutate), []string{"10.42.0.7", "fd00::7"}, "cluster.local", hostFile))
		})
	}
}

func TestWritePodFilesMountsBoth(t *testing.T) {
	k := dnsKubelet(t)
	k.cfg.HostsFile = "/etc/hosts"
	k.volumes = volume.NewManager(volume.Options{RootDir: t.TempDir()})
	pod := dnsPod(nil)
	mounts, err := k.writePodFiles(pod, []string{"10.42.0.7"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"/etc/hosts": "etc-hosts", "/etc/resolv.conf": "resolv.conf"}
	for _, m := range mounts {
		if filepath.Base(m.HostPath) != want[m.ContainerPath] || filepath.Dir(m.HostPath) != k.volumes.PodDir("u1") ||
			m.Propagation != runtimeapi.MountPropagation_PROPAGATION_PRIVATE {
			t.Errorf("mount %+v", m)
		}
		delete(want, m.ContainerPath)
	}
	if len(want) != 0 {
		t.Fatalf("missing mounts %v", want)
	}
	if data, _ := os.ReadFile(mounts[0].HostPath); len(data) == 0 {
		t.Fatal("hosts file empty")
	}
	// Dry run (simulated nodes): nothing written, nothing mounted.
	k.volumes = volume.NewManager(volume.Options{})
	if mounts, err := k.writePodFiles(pod, nil); err != nil || mounts != nil {
		t.Fatalf("dry run: %v %v", mounts, err)
	}
}
