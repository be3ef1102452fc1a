package fake

import "rudder/internal/kubelet/runtime"

// podIndex groups objects by their runtime.LabelPodUID. The kubelet
// lists one pod's sandboxes and containers by it on every sync of that
// pod; with the index, such a list looks at that pod's objects instead of every object
// of the node (which made the simulated runtime a visible share of the
// agent's CPU at scale).
type podIndex[T any] map[string]map[string]T

func (ix podIndex[T]) add(labels map[string]string, id string, v T) {
	uid := labels[runtime.LabelPodUID]
	if ix[uid] == nil {
		ix[uid] = map[string]T{}
	}
	ix[uid][id] = v
}

func (ix podIndex[T]) remove(labels map[string]string, id string) {
	uid := labels[runtime.LabelPodUID]
	delete(ix[uid], id)
	if len(ix[uid]) == 0 {
		delete(ix, uid)
	}
}

// candidates narrows all (the objects by ID) to those a label selector
// can match.
func (ix podIndex[T]) candidates(all map[string]T, selector map[string]string) map[string]T {
	if uid, ok := selector[runtime.LabelPodUID]; ok {
		return ix[uid]
	}
	return all
}
