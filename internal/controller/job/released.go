package job

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// releasedPods remembers, per job, the tracking finalizer removals the
// controller made that the pod cache may not show yet: the
// resourceVersion each removal gave its pod. The job's status counts a
// pod from the moment its finalizer is removed, and the pod informer may
// deliver that removal after the job informer delivers the status, so
// until the cache shows it such a pod looks finished and not yet counted.
type releasedPods struct {
	mu sync.Mutex
	m  map[string]map[types.UID]uint64 // job key → pod uid → resourceVersion
}

func (r *releasedPods) record(key string, uid types.UID, rv string) {
	n, ok := parseRV(rv)
	if !ok {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]map[types.UID]uint64{}
	}
	if r.m[key] == nil {
		r.m[key] = map[types.UID]uint64{}
	}
	r.m[key][uid] = max(r.m[key][uid], n)
}

// shown says whether pods, the job's pods as the cache shows them, show
// every removal recorded for the job. It forgets the removals they show
// and those of pods gone from the cache: the cache never goes back to an
// older version of a pod, nor brings a deleted one back.
func (r *releasedPods) shown(key string, pods []*corev1.Pod) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	recorded := r.m[key]
	if len(recorded) == 0 {
		return true
	}
	cached := make(map[types.UID]*corev1.Pod, len(pods))
	for _, p := range pods {
		cached[p.UID] = p
	}
	all := true
	for uid, want := range recorded {
		p, ok := cached[uid]
		if ok && !reaches(p.ResourceVersion, want) {
			all = false
			continue
		}
		delete(recorded, uid)
	}
	if len(recorded) == 0 {
		delete(r.m, key)
	}
	return all
}

// reaches says whether resourceVersion rv is at least n; an unreadable one
// is taken to be, so that it cannot stall a job.
func reaches(rv string, n uint64) bool {
	got, ok := parseRV(rv)
	return !ok || got >= n
}

func (r *releasedPods) forget(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, key)
}
