package cgroup

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return string(b)
}

// fakeV1 lays out a hybrid cgroup tree like these machines' in a temp dir.
func fakeV1(t *testing.T) string {
	root := t.TempDir()
	for _, d := range []string{"cpu,cpuacct", "memory", "pids", "cpuset", "unified", "cpuacct-apart"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	// The root cgroup's control files say which controllers a hierarchy has.
	for _, f := range []string{"cpu,cpuacct/cpu.shares", "cpu,cpuacct/cpu.cfs_quota_us", "cpu,cpuacct/cpu.cfs_period_us",
		"memory/memory.limit_in_bytes", "cpuacct-apart/cpuacct.usage"} {
		os.WriteFile(filepath.Join(root, f), nil, 0o644)
	}
	os.Symlink("cpu,cpuacct", filepath.Join(root, "cpu"))
	os.WriteFile(filepath.Join(root, "cpuset", "cpuset.cpus"), []byte("0-1"), 0o644)
	os.WriteFile(filepath.Join(root, "cpuset", "cpuset.mems"), []byte("0"), 0o644)
	os.WriteFile(filepath.Join(root, "unified", "cgroup.controllers"), nil, 0o644)
	return root
}

func TestV1PodCgroup(t *testing.T) {
	root := fakeV1(t)
	m, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	pod := "/kubepods/burstable/podabc"
	if err := m.Ensure(pod, &Resources{CPUShares: 512, CPUQuota: 50000, CPUPeriod: 100000, MemoryLimit: 64 << 20}); err != nil {
		t.Fatal(err)
	}
	checks := map[string]string{
		"cpu,cpuacct" + pod + "/cpu.shares":        "512",
		"cpu,cpuacct" + pod + "/cpu.cfs_quota_us":  "50000",
		"cpu,cpuacct" + pod + "/cpu.cfs_period_us": "100000",
		"memory" + pod + "/memory.limit_in_bytes":  "67108864",
		"cpuset/kubepods/burstable/cpuset.cpus":    "0-1",
		"cpuset" + pod + "/cpuset.mems":            "0",
	}
	for p, want := range checks {
		if got := read(t, filepath.Join(root, p)); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	for _, h := range []string{"pids", "unified", "cpuacct-apart"} {
		if _, err := os.Stat(filepath.Join(root, h, pod)); err != nil {
			t.Errorf("%s hierarchy: %v", h, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "cpuacct-apart", pod, "cpu.shares")); !os.IsNotExist(err) {
		t.Errorf("cpu limits written to a hierarchy without the cpu controller: %v", err)
	}
	// Unlimited memory and CPU are written as -1.
	if err := m.Ensure(pod, &Resources{CPUShares: 2}); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(root, "memory"+pod, "memory.limit_in_bytes")); got != "-1" {
		t.Errorf("memory limit %q, want -1", got)
	}
	os.MkdirAll(filepath.Join(root, "pids"+pod, "leftover-container"), 0o755)
	if err := m.Remove(pod); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"cpu,cpuacct", "memory", "pids", "cpuset", "unified", "cpuacct-apart"} {
		if _, err := os.Stat(filepath.Join(root, h, pod)); !os.IsNotExist(err) {
			t.Errorf("%s%s not removed: %v", h, pod, err)
		}
		if _, err := os.Stat(filepath.Join(root, h, "kubepods/burstable")); err != nil {
			t.Errorf("QoS parent removed from %s: %v", h, err)
		}
	}
	if err := m.Remove(pod); err != nil {
		t.Fatalf("second remove: %v", err)
	}
}

func TestV2PodCgroup(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "cgroup.controllers"), []byte("cpu memory"), 0o644)
	m, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	pod := "/kubepods/podx"
	if err := m.Ensure(pod, &Resources{CPUShares: 1024, CPUQuota: 200000, CPUPeriod: 100000, MemoryLimit: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	for f, want := range map[string]string{"cpu.max": "200000 100000", "memory.max": "1073741824", "cpu.weight": "39"} {
		if got := read(t, filepath.Join(root, pod, f)); got != want {
			t.Errorf("%s = %q, want %q", f, got, want)
		}
	}
}

func TestNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write anywhere")
	}
	root := fakeV1(t)
	os.Chmod(filepath.Join(root, "memory"), 0o555)
	defer os.Chmod(filepath.Join(root, "memory"), 0o755)
	m, _ := New(root)
	if err := m.Ensure("/kubepods/podz", nil); err == nil {
		t.Fatal("read-only hierarchy accepted")
	} else if !isNotWritable(err) {
		t.Fatalf("err %v, want ErrNotWritable", err)
	}
}

func isNotWritable(err error) bool { return err != nil && errorsIs(err, ErrNotWritable) }

var errorsIs = func(err, target error) bool { return errors.Is(err, target) }
