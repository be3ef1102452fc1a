package kubelet

import (
	"errors"
	"path"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"rudder/internal/kubelet/cgroup"
)

// newCgroups opens the cgroup filesystem of a real node; nil (no pod
// cgroups) for simulated nodes, when disabled, or when absent.
func newCgroups(cfg *Config) *cgroup.Manager {
	if cfg.CgroupFS == "" || cfg.CgroupFS == "-" {
		return nil
	}
	m, err := cgroup.New(cfg.CgroupFS)
	if err != nil {
		cfg.Logger.Warn("pod cgroups disabled", "err", err)
		return nil
	}
	return m
}

// ensurePodCgroup creates the pod's cgroup (the sandbox's cgroup_parent)
// with pod-level limits. Unwritable cgroups (tests as non-root) turn the
// feature off instead of failing pods.
func (k *Kubelet) ensurePodCgroup(pod *corev1.Pod) error {
	m := k.cgroups.Load()
	if m == nil {
		return nil
	}
	qos := podQOSClass(&pod.Spec)
	for _, parent := range []string{k.cfg.CgroupRoot, path.Dir(k.podCgroup(pod))} {
		if err := m.Ensure(parent, nil); err != nil {
			return k.cgroupFailed(err)
		}
	}
	return k.cgroupFailed(m.Ensure(k.podCgroup(pod), podResources(pod, qos)))
}

func (k *Kubelet) cgroupFailed(err error) error {
	if errors.Is(err, cgroup.ErrNotWritable) {
		k.log.Warn("pod cgroups disabled", "err", err)
		k.cgroups.Store(nil)
		return nil
	}
	return err
}

// removePodCgroup removes the cgroup of a pod that is gone, whatever its
// QoS class was.
func (k *Kubelet) removePodCgroup(uid types.UID) error {
	m := k.cgroups.Load()
	if m == nil {
		return nil
	}
	name := "pod" + string(uid)
	var errs []error
	for _, dir := range []string{k.cfg.CgroupRoot, path.Join(k.cfg.CgroupRoot, "burstable"), path.Join(k.cfg.CgroupRoot, "besteffort")} {
		errs = append(errs, m.Remove(path.Join(dir, name)))
	}
	return errors.Join(errs...)
}

// podResources are the pod-level limits: shares from the summed CPU
// requests; CPU quota and memory limit only when every container sets
// them (otherwise the pod is unbounded there). Init containers run alone,
// so the pod needs the larger of them and the sum of the others.
func podResources(pod *corev1.Pod, qos corev1.PodQOSClass) *cgroup.Resources {
	r := &cgroup.Resources{CPUShares: minShares, CPUPeriod: cfsPeriod}
	if qos == corev1.PodQOSBestEffort {
		return r
	}
	sum := func(pick func(*corev1.Container) (int64, bool)) (int64, bool) {
		var total, initMax int64
		all := true
		for i := range pod.Spec.Containers {
			v, ok := pick(&pod.Spec.Containers[i])
			total, all = total+v, all && ok
		}
		for i := range pod.Spec.InitContainers {
			c := &pod.Spec.InitContainers[i]
			v, ok := pick(c)
			all = all && ok
			if isSidecar(c) {
				total += v
			} else {
				initMax = max(initMax, v)
			}
		}
		return max(total, initMax), all
	}
	cpuReq, _ := sum(func(c *corev1.Container) (int64, bool) { return c.Resources.Requests.Cpu().MilliValue(), true })
	r.CPUShares = milliCPUToShares(cpuReq)
	if lim, all := sum(func(c *corev1.Container) (int64, bool) {
		q, ok := c.Resources.Limits[corev1.ResourceCPU]
		return q.MilliValue(), ok
	}); all {
		r.CPUQuota = milliCPUToQuota(lim)
	}
	if lim, all := sum(func(c *corev1.Container) (int64, bool) {
		q, ok := c.Resources.Limits[corev1.ResourceMemory]
		return q.Value(), ok
	}); all {
		r.MemoryLimit = lim
	}
	return r
}
