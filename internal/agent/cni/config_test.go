package cni

import (
	"encoding/json"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestConflist(t *testing.T) {
	data, err := Conflist(Config{BridgeName: "rudder0", PodCIDR: "10.42.3.7/24", IPAMDataDir: "/var/lib/rudder/cni"})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		CNIVersion string `json:"cniVersion"`
		Name       string `json:"name"`
		Plugins    []struct {
			Type        string `json:"type"`
			Bridge      string `json:"bridge"`
			IsGateway   bool   `json:"isGateway"`
			HairpinMode bool   `json:"hairpinMode"`
			IPMasq      *bool  `json:"ipMasq"`
			IPAM        struct {
				Type    string                `json:"type"`
				DataDir string                `json:"dataDir"`
				Ranges  [][]map[string]string `json:"ranges"`
				Routes  []map[string]string   `json:"routes"`
			} `json:"ipam"`
			Capabilities map[string]bool `json:"capabilities"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("conflist is not JSON: %v\n%s", err, data)
	}
	if doc.CNIVersion != "1.0.0" || doc.Name != NetworkName {
		t.Errorf("version %q name %q", doc.CNIVersion, doc.Name)
	}
	var types []string
	for _, p := range doc.Plugins {
		types = append(types, p.Type)
	}
	if len(types) != 3 || types[0] != "bridge" || types[1] != "portmap" || types[2] != "loopback" {
		t.Fatalf("plugin chain %v, want bridge portmap loopback", types)
	}
	br := doc.Plugins[0]
	if br.Bridge != "rudder0" || !br.IsGateway || !br.HairpinMode || br.IPMasq == nil || *br.IPMasq {
		t.Errorf("bridge plugin %+v", br)
	}
	if br.IPAM.Type != "host-local" || br.IPAM.DataDir != "/var/lib/rudder/cni" {
		t.Errorf("ipam %+v", br.IPAM)
	}
	if len(br.IPAM.Ranges) != 1 || br.IPAM.Ranges[0][0]["subnet"] != "10.42.3.0/24" {
		t.Errorf("ranges %v, want the masked pod CIDR 10.42.3.0/24", br.IPAM.Ranges)
	}
	if len(br.IPAM.Routes) != 1 || br.IPAM.Routes[0]["dst"] != "0.0.0.0/0" {
		t.Errorf("routes %v, want a default route", br.IPAM.Routes)
	}
	if !doc.Plugins[1].Capabilities["portMappings"] {
		t.Error("portmap does not ask for portMappings")
	}
}

func TestConflistRejectsBadInput(t *testing.T) {
	good := Config{BridgeName: "rudder0", PodCIDR: "10.42.0.0/24", IPAMDataDir: "/x"}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"no bridge", func(c *Config) { c.BridgeName = "" }},
		{"long bridge name", func(c *Config) { c.BridgeName = "a-very-long-bridge" }},
		{"bad CIDR", func(c *Config) { c.PodCIDR = "10.42.0.0" }},
		{"IPv6 CIDR", func(c *Config) { c.PodCIDR = "fd00::/64" }},
		{"relative IPAM dir", func(c *Config) { c.IPAMDataDir = "cni" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			if _, err := Conflist(c); err == nil {
				t.Errorf("Conflist(%+v) succeeded", c)
			}
		})
	}
}

func TestWriteConfigRewritesInPlace(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{BridgeName: "rudder0", PodCIDR: "10.42.1.0/24", IPAMDataDir: "/x"}
	if err := WriteConfig(dir, cfg); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, ConfFileName)
	before := inode(t, path)
	cfg.PodCIDR = "10.42.2.0/24"
	if err := WriteConfig(dir, cfg); err != nil {
		t.Fatal(err)
	}
	if after := inode(t, path); after != before {
		t.Errorf("conflist replaced (inode %d → %d); containerd misses renamed files", before, after)
	}
	want, _ := Conflist(cfg)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("conflist after rewrite:\n%s\nwant:\n%s", got, want)
	}
}

func inode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}
