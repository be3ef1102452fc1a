// Package containerd starts, configures and supervises the node's
// containerd (Debian's /usr/bin/containerd) as a detached child process.
package containerd

import (
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"time"
)

// Defaults for Options' empty fields.
const (
	DefaultBinary       = "/usr/bin/containerd"
	DefaultSandboxImage = "registry.k8s.io/pause:3.10"
	DefaultBridgeName   = "rudder0"
	DefaultCNIBinDir    = "/usr/lib/cni"
)

// Options configure one containerd instance.
type Options struct {
	// DataDir is the agent's data dir; containerd's files live in
	// DataDir/containerd. Keep it short: the socket path must fit the
	// 108-byte limit of unix socket addresses.
	DataDir string
	// RegistryURL is the cluster registry (http://127.0.0.1:5000 or
	// https://host:port). docker.io, registry.k8s.io and the registry's own
	// host:port are mirrored to it. Empty: no mirrors.
	RegistryURL string
	// RegistryCAFile verifies an https RegistryURL.
	RegistryCAFile string
	// PodCIDR is this node's pod range, written into the CNI conflist
	// before containerd starts. Empty: set it later with SetPodCIDR.
	PodCIDR    string
	BridgeName string // default DefaultBridgeName

	// NetNS, when set, is a network namespace path containerd (and so
	// every pod sandbox) starts in: several nodes on one machine.
	NetNS string

	Binary       string        // default DefaultBinary
	SandboxImage string        // default DefaultSandboxImage
	CNIBinDir    string        // default DefaultCNIBinDir
	StartTimeout time.Duration // how long Start waits for CRI; default 30s
	Logger       *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.DataDir == "" {
		return o, fmt.Errorf("containerd: DataDir is required")
	}
	abs, err := filepath.Abs(o.DataDir)
	if err != nil {
		return o, fmt.Errorf("containerd: data dir: %w", err)
	}
	o.DataDir = abs
	if o.RegistryURL != "" {
		u, err := url.Parse(o.RegistryURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return o, fmt.Errorf("containerd: registry URL %q: want http(s)://host[:port]", o.RegistryURL)
		}
	}
	defaults := []struct {
		field *string
		value string
	}{
		{&o.BridgeName, DefaultBridgeName},
		{&o.Binary, DefaultBinary},
		{&o.SandboxImage, DefaultSandboxImage},
		{&o.CNIBinDir, DefaultCNIBinDir},
	}
	for _, d := range defaults {
		if *d.field == "" {
			*d.field = d.value
		}
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

// paths are the files of one instance, all under DataDir/containerd.
type paths struct {
	base, root, state, socket, pidFile, config, log string
	certsDir, cniConfDir, ipamDir, runcRoot         string
}

// maxSocketPath leaves room for the NUL of sun_path (108 bytes on Linux).
const maxSocketPath = 107

func newPaths(dataDir string) (paths, error) {
	b := filepath.Join(dataDir, "containerd")
	p := paths{
		base:       b,
		root:       filepath.Join(b, "root"),
		state:      filepath.Join(b, "state"),
		socket:     filepath.Join(b, "containerd.sock"),
		pidFile:    filepath.Join(b, "containerd.pid"),
		config:     filepath.Join(b, "config.toml"),
		log:        filepath.Join(b, "containerd.log"),
		certsDir:   filepath.Join(b, "certs.d"),
		cniConfDir: filepath.Join(b, "cni", "net.d"),
		ipamDir:    filepath.Join(b, "cni", "ipam"),
		runcRoot:   filepath.Join(b, "state", "runc"),
	}
	if len(p.socket) > maxSocketPath {
		return p, fmt.Errorf("containerd: socket path %s is %d bytes, the limit is %d: use a shorter data dir",
			p.socket, len(p.socket), maxSocketPath)
	}
	return p, nil
}
