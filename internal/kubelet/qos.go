package kubelet

import (
	corev1 "k8s.io/api/core/v1"
)

// podQOSClass classifies a pod as Kubernetes does: Guaranteed when every
// container sets cpu and memory limits equal to its requests, BestEffort
// when no container sets any, Burstable otherwise.
func podQOSClass(spec *corev1.PodSpec) corev1.PodQOSClass {
	any, guaranteed := false, true
	check := func(c *corev1.Container) {
		req, lim := c.Resources.Requests, c.Resources.Limits
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			r, hasReq := req[name]
			l, hasLim := lim[name]
			if (hasReq && !r.IsZero()) || (hasLim && !l.IsZero()) {
				any = true
			}
			if !hasLim || l.IsZero() || (hasReq && r.Cmp(l) != 0) {
				guaranteed = false
			}
		}
	}
	for i := range spec.InitContainers {
		check(&spec.InitContainers[i])
	}
	for i := range spec.Containers {
		check(&spec.Containers[i])
	}
	switch {
	case !any:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	default:
		return corev1.PodQOSBurstable
	}
}
