package replicaset

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/controller/ctrlutil"
)

// candidatePods returns the pods a sync of w has to look at: those it
// controls and the orphans of its namespace, which it may adopt. Pods
// controlled by anything else are neither counted nor claimed.
func (c *Controller) candidatePods(w *workload) (owned, orphans []any, err error) {
	if owned, err = ctrlutil.ControlledBy(c.podIndex, w.meta.GetNamespace(), w.uid()); err != nil {
		return nil, nil, err
	}
	if orphans, err = ctrlutil.OrphansIn(c.podIndex, w.meta.GetNamespace()); err != nil {
		return nil, nil, err
	}
	return owned, orphans, nil
}

// relatedPods are the pods counted for "crowded node" ranking: ours plus
// those of siblings with the same controlling owner (a Deployment's other
// ReplicaSets).
func (c *Controller) relatedPods(w *workload, pods []*corev1.Pod) []*corev1.Pod {
	owner := metav1.GetControllerOfNoCopy(w.meta)
	if owner == nil {
		return pods
	}
	ns := w.meta.GetNamespace()
	uids, err := c.siblingUIDs(ns, owner.UID)
	if err != nil {
		return pods
	}
	related, err := c.podsControlledBy(ns, uids)
	if err != nil {
		return pods
	}
	return related
}

// siblingUIDs are the UIDs of the workloads of ns controlled by ownerUID.
func (c *Controller) siblingUIDs(ns string, ownerUID types.UID) (map[types.UID]bool, error) {
	objs, err := c.kind.informer().GetIndexer().ByIndex(cache.NamespaceIndex, ns)
	if err != nil {
		return nil, fmt.Errorf("reading the %ss of namespace %s: %w", c.kind.gvk().Kind, ns, err)
	}
	uids := map[types.UID]bool{}
	for _, o := range objs {
		if m, err := meta.Accessor(o); err == nil && ctrlutil.ControllerUID(m) == ownerUID {
			uids[m.GetUID()] = true
		}
	}
	return uids, nil
}

// podsControlledBy returns the pods of ns whose controller is in uids.
func (c *Controller) podsControlledBy(ns string, uids map[types.UID]bool) ([]*corev1.Pod, error) {
	var out []*corev1.Pod
	for uid := range uids {
		objs, err := ctrlutil.ControlledBy(c.podIndex, ns, uid)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			if p, ok := o.(*corev1.Pod); ok {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// podScan is what one pass over a workload's candidate pods finds.
type podScan struct {
	// pods are the active pods the workload controls and still selects.
	pods []*corev1.Pod
	// unsettled are active pods whose ownership a claim must settle:
	// orphans (adopted if selected) and controlled pods that are no longer
	// selected (released).
	unsettled []*corev1.Pod
	counts    statusCounter
}

// scanPods makes a single pass over the candidates. The pods are
// scattered over the heap and a large scale-up syncs a workload of
// thousands of pods hundreds of times, so everything a sync needs from a
// pod (active? still selected? fully labelled? ready?) is read while the
// pod is in the CPU cache, instead of in one pass per question.
func scanPods(w *workload, owned, orphans []any, now time.Time) *podScan {
	selected := ctrlutil.NewLabelMatcher(w.selector)
	s := &podScan{pods: make([]*corev1.Pod, 0, len(owned)), counts: newStatusCounter(w, &selected, now)}
	for _, o := range owned {
		p, ok := o.(*corev1.Pod)
		if !ok || !ctrlutil.IsPodActive(p) {
			continue
		}
		if !selected.Matches(p.Labels) {
			s.unsettled = append(s.unsettled, p)
			continue
		}
		s.pods = append(s.pods, p)
		s.counts.add(p)
	}
	for _, o := range orphans {
		if p, ok := o.(*corev1.Pod); ok && ctrlutil.IsPodActive(p) {
			s.unsettled = append(s.unsettled, p)
		}
	}
	return s
}

// addAdopted counts pods the claim adopted.
func (s *podScan) addAdopted(pods []*corev1.Pod) {
	for _, p := range pods {
		s.pods = append(s.pods, p)
		s.counts.add(p)
	}
}

// statusCounter counts the pod-derived status fields of selected pods,
// pod by pod.
type statusCounter struct {
	fullyLabeled ctrlutil.LabelMatcher
	// selectedIsFullyLabeled: the selector requires every template label
	// (as a Deployment's ReplicaSets do), so no pod needs the check.
	selectedIsFullyLabeled bool
	minReady               int32
	at                     time.Time

	fullyLabeledReplicas, readyReplicas, availableAtScan int32
	// notYetAvailable are the ready pods that were not available at the
	// scan: the status is computed after creating or deleting pods, which
	// can take seconds, and some may be available by then.
	notYetAvailable []*corev1.Pod
}

func newStatusCounter(w *workload, selected *ctrlutil.LabelMatcher, now time.Time) statusCounter {
	var tmplLabels map[string]string
	if w.template != nil {
		tmplLabels = w.template.Labels
	}
	return statusCounter{
		fullyLabeled:           ctrlutil.NewSubsetMatcher(tmplLabels),
		selectedIsFullyLabeled: selected.Implies(tmplLabels),
		minReady:               w.minReady,
		at:                     now,
	}
}

// add counts p, which the workload's selector matches.
func (sc *statusCounter) add(p *corev1.Pod) {
	if sc.selectedIsFullyLabeled || sc.fullyLabeled.Matches(p.Labels) {
		sc.fullyLabeledReplicas++
	}
	if !ctrlutil.IsPodReady(p) {
		return
	}
	sc.readyReplicas++
	if ctrlutil.IsPodAvailable(p, sc.minReady, sc.at) {
		sc.availableAtScan++
		return
	}
	sc.notYetAvailable = append(sc.notYetAvailable, p)
}

// availableAt counts the pods available at now (not before the scan: a
// pod available then stays available).
func (sc *statusCounter) availableAt(now time.Time) int32 {
	n := sc.availableAtScan
	for _, p := range sc.notYetAvailable {
		if ctrlutil.IsPodAvailable(p, sc.minReady, now) {
			n++
		}
	}
	return n
}
