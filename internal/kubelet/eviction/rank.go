package eviction

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
)

// PodUsage is what a pod uses; nil fields are unknown (the runtime gives
// no stats): ranking then treats a pod without requests as over them.
type PodUsage struct {
	Memory  *int64 // working set bytes
	Storage *int64 // ephemeral storage bytes
	PIDs    *int64
}

// systemCriticalPriority is the priority from which pods are critical
// (system-cluster-critical and above) and never evicted.
const systemCriticalPriority = 2000000000

// Annotation values that make a pod static (run from a file): static
// and mirror pods are critical to the node and never evicted.
const (
	annotationConfigSource = "kubernetes.io/config.source"
	annotationConfigMirror = "kubernetes.io/config.mirror"
)

// Evictable says whether the eviction manager may evict a pod.
func Evictable(pod *corev1.Pod) bool {
	if src, ok := pod.Annotations[annotationConfigSource]; ok && src != "api" {
		return false
	}
	if _, ok := pod.Annotations[annotationConfigMirror]; ok {
		return false
	}
	return pod.Spec.Priority == nil || *pod.Spec.Priority < systemCriticalPriority
}

// Rank orders pods for eviction under a signal, first to evict first:
// for memory and disk, pods using more than they request come first, then
// lower priority, then the larger use above the request; for PIDs, lower
// priority then more PIDs.
func Rank(pods []*corev1.Pod, sig Signal, usage map[types.UID]PodUsage) []*corev1.Pod {
	out := append([]*corev1.Pod(nil), pods...)
	keys := make(map[types.UID]rankKey, len(out))
	for _, p := range out {
		keys[p.UID] = keyFor(p, sig, usage[p.UID])
	}
	sort.SliceStable(out, func(i, j int) bool { return keys[out[i].UID].before(keys[out[j].UID]) })
	return out
}

type rankKey struct {
	exceeds  bool
	priority int32
	above    int64 // use minus request
}

func (a rankKey) before(b rankKey) bool {
	if a.exceeds != b.exceeds {
		return a.exceeds
	}
	if a.priority != b.priority {
		return a.priority < b.priority
	}
	return a.above > b.above
}

func keyFor(pod *corev1.Pod, sig Signal, u PodUsage) rankKey {
	k := rankKey{}
	if pod.Spec.Priority != nil {
		k.priority = *pod.Spec.Priority
	}
	var used *int64
	var request int64
	switch sig.resource() {
	case corev1.ResourceMemory:
		used, request = u.Memory, podRequest(pod, corev1.ResourceMemory)
	case corev1.ResourceEphemeralStorage, "inodes":
		used, request = u.Storage, podRequest(pod, corev1.ResourceEphemeralStorage)
	default: // pids: no requests exist
		if u.PIDs != nil {
			k.above = *u.PIDs
		}
		return k
	}
	if used == nil {
		k.exceeds = request == 0
		k.above = -request
		return k
	}
	k.exceeds = *used > request
	k.above = *used - request
	return k
}

// podRequest is the pod's request of a resource: the sum over its app
// containers, or the largest init container's when that is more.
func podRequest(pod *corev1.Pod, name corev1.ResourceName) int64 {
	sum := resource.Quantity{}
	for _, c := range pod.Spec.Containers {
		if q, ok := c.Resources.Requests[name]; ok {
			sum.Add(q)
		}
	}
	total := sum.Value()
	for _, c := range pod.Spec.InitContainers {
		if q, ok := c.Resources.Requests[name]; ok && q.Value() > total {
			total = q.Value()
		}
	}
	return total
}
