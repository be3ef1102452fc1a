package kubelet

import (
	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CPU shares and CFS period as Kubernetes sets them.
const (
	minShares       = 2
	sharesPerCPU    = 1024
	cfsPeriod       = 100000 // µs
	minQuota        = 1000   // µs
	guaranteedOOM   = -997
	bestEffortOOM   = 1000
	burstableOOMMin = 2
	burstableOOMMax = 999
)

// milliCPUToShares maps a CPU request to cgroup v1 cpu.shares.
func milliCPUToShares(milli int64) int64 {
	if milli == 0 {
		return minShares
	}
	return max(minShares, milli*sharesPerCPU/1000)
}

// milliCPUToQuota maps a CPU limit to a CFS quota for cfsPeriod.
func milliCPUToQuota(milli int64) int64 {
	if milli == 0 {
		return 0
	}
	return max(minQuota, milli*cfsPeriod/1000)
}

// linuxResources is a container's cgroup settings: shares from the CPU
// request, quota from the CPU limit, the memory limit, and an OOM score
// adjustment by QoS class (Burstable: more memory requested, less likely
// to be killed).
func linuxResources(c *corev1.Container, qos corev1.PodQOSClass, capacity corev1.ResourceList) *runtimeapi.LinuxContainerResources {
	r := &runtimeapi.LinuxContainerResources{CpuPeriod: cfsPeriod}
	r.CpuShares = milliCPUToShares(c.Resources.Requests.Cpu().MilliValue())
	if cpu, ok := c.Resources.Limits[corev1.ResourceCPU]; ok {
		r.CpuQuota = milliCPUToQuota(cpu.MilliValue())
	}
	if mem, ok := c.Resources.Limits[corev1.ResourceMemory]; ok {
		r.MemoryLimitInBytes = mem.Value()
	}
	r.OomScoreAdj = oomScoreAdj(c, qos, capacity)
	return r
}

func oomScoreAdj(c *corev1.Container, qos corev1.PodQOSClass, capacity corev1.ResourceList) int64 {
	switch qos {
	case corev1.PodQOSGuaranteed:
		return guaranteedOOM
	case corev1.PodQOSBestEffort:
		return bestEffortOOM
	}
	total := capacity.Memory().Value()
	if total <= 0 {
		return burstableOOMMax
	}
	adj := 1000 - 1000*c.Resources.Requests.Memory().Value()/total
	return min(burstableOOMMax, max(burstableOOMMin, adj))
}
