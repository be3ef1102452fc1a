package containerd

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// renderConfig writes containerd's config.toml. Reasons for the settings
// that are not defaults:
//   - oom_score = 0 and restrict_oom_score_adj: these machines refuse
//     negative oom_score_adj; without them sandboxes fail to start.
//   - netns_mounts_under_state_dir, own runc Root and a random stream port
//     keep several instances on one machine apart.
//   - SystemdCgroup = false: there is no systemd; cgroupfs it is.
func renderConfig(o Options, p paths) string {
	const cri = `plugins."io.containerd.grpc.v1.cri"`
	var b strings.Builder
	fmt.Fprintf(&b, "version = 2\nroot = %q\nstate = %q\noom_score = 0\n\n", p.root, p.state)
	fmt.Fprintf(&b, "[grpc]\n  address = %q\n\n", p.socket)
	fmt.Fprintf(&b, "[%s]\n", cri)
	fmt.Fprintf(&b, "  sandbox_image = %q\n", o.SandboxImage)
	b.WriteString("  restrict_oom_score_adj = true\n")
	b.WriteString("  netns_mounts_under_state_dir = true\n")
	b.WriteString("  stream_server_address = \"127.0.0.1\"\n  stream_server_port = \"0\"\n")
	fmt.Fprintf(&b, "  [%s.containerd]\n", cri)
	b.WriteString("    snapshotter = \"overlayfs\"\n    default_runtime_name = \"runc\"\n")
	fmt.Fprintf(&b, "    [%s.containerd.runtimes.runc]\n", cri)
	b.WriteString("      runtime_type = \"io.containerd.runc.v2\"\n")
	fmt.Fprintf(&b, "      [%s.containerd.runtimes.runc.options]\n", cri)
	fmt.Fprintf(&b, "        SystemdCgroup = false\n        Root = %q\n", p.runcRoot)
	fmt.Fprintf(&b, "  [%s.cni]\n    bin_dir = %q\n    conf_dir = %q\n", cri, o.CNIBinDir, p.cniConfDir)
	fmt.Fprintf(&b, "  [%s.registry]\n    config_path = %q\n", cri, p.certsDir)
	return b.String()
}

// mirroredHosts are the registries whose pulls go to the cluster registry.
// The registry's own host:port is included so that images pushed to it by
// name pull with the same CA and scheme settings.
func mirroredHosts(registryURL string) ([]string, error) {
	u, err := url.Parse(registryURL)
	if err != nil {
		return nil, fmt.Errorf("registry URL: %w", err)
	}
	return []string{"docker.io", "registry.k8s.io", u.Host}, nil
}

// hostsTOML sends pulls and resolves to the cluster registry. For https the
// CA file verifies it; plain http is for loopback registries.
func hostsTOML(registryURL, caFile string) string {
	server := strings.TrimRight(registryURL, "/")
	var b strings.Builder
	withCA := caFile != "" && strings.HasPrefix(server, "https://")
	fmt.Fprintf(&b, "server = %q\n", server)
	if withCA {
		// containerd falls back to `server` when the host entry answers
		// "not found"; without the CA there too, a missing image is
		// reported as an x509 error instead of not found.
		fmt.Fprintf(&b, "ca = %q\n", caFile)
	}
	fmt.Fprintf(&b, "\n[host.%q]\n  capabilities = [\"pull\", \"resolve\"]\n", server)
	if withCA {
		fmt.Fprintf(&b, "  ca = %q\n", caFile)
	}
	return b.String()
}

// writeConfigFiles writes config.toml and the certs.d tree, replacing any
// hosts.toml left from an earlier registry URL.
func writeConfigFiles(o Options, p paths) error {
	for _, d := range []string{p.base, p.root, p.state, p.cniConfDir, p.ipamDir} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return fmt.Errorf("create %s: %w", d, err)
		}
	}
	if err := os.WriteFile(p.config, []byte(renderConfig(o, p)), 0o600); err != nil {
		return fmt.Errorf("write containerd config: %w", err)
	}
	if err := os.RemoveAll(p.certsDir); err != nil {
		return fmt.Errorf("reset %s: %w", p.certsDir, err)
	}
	if err := os.MkdirAll(p.certsDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", p.certsDir, err)
	}
	if o.RegistryURL == "" {
		return nil
	}
	hosts, err := mirroredHosts(o.RegistryURL)
	if err != nil {
		return err
	}
	body := []byte(hostsTOML(o.RegistryURL, o.RegistryCAFile))
	for _, h := range hosts {
		dir := filepath.Join(p.certsDir, h)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "hosts.toml"), body, 0o644); err != nil {
			return fmt.Errorf("write hosts.toml for %s: %w", h, err)
		}
	}
	return nil
}
