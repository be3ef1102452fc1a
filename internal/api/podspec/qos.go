package podspec

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// QOSClass computes a pod's quality-of-service class from the cpu and
// memory requests and limits of all its containers: BestEffort when none is
// set, Guaranteed when every container limits both and requests equal
// limits, Burstable otherwise.
func QOSClass(spec *corev1.PodSpec) corev1.PodQOSClass {
	requests := corev1.ResourceList{}
	limits := corev1.ResourceList{}
	guaranteed := true
	all := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	for _, c := range all {
		addQOSResources(requests, c.Resources.Requests)
		n := addQOSResources(limits, c.Resources.Limits)
		if n < 2 {
			guaranteed = false
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	if guaranteed && sameQuantities(requests, limits) {
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

// addQOSResources sums the non-zero cpu and memory entries of src into dst
// and says how many of the two src had.
func addQOSResources(dst, src corev1.ResourceList) int {
	n := 0
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		q, ok := src[name]
		if !ok || q.IsZero() {
			continue
		}
		n++
		sum := dst[name]
		if sum.Format == "" {
			sum = resource.Quantity{Format: q.Format}
		}
		sum.Add(q)
		dst[name] = sum
	}
	return n
}

func sameQuantities(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for name, q := range a {
		other, ok := b[name]
		if !ok || q.Cmp(other) != 0 {
			return false
		}
	}
	return true
}
