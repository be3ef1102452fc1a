package job

import (
	"context"
	"fmt"
	"sort"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
)

// track counts finished pods in three crash-safe steps, as Kubernetes
// does: (1) record their uids in status.uncountedTerminatedPods, (2)
// remove their tracking finalizers, (3) move the uids whose finalizer is
// gone into succeeded/failed. A crash between steps repeats a step but
// never counts a pod twice or loses it.
func (s *syncState) track(ctx context.Context) error {
	st := &s.job.Status
	if st.UncountedTerminatedPods == nil {
		st.UncountedTerminatedPods = &batchv1.UncountedTerminatedPods{}
	}
	u := st.UncountedTerminatedPods
	succ, fail := sets.New(u.Succeeded...), sets.New(u.Failed...)
	toRelease, added := s.collectFinished(succ, fail)
	if added {
		u.Succeeded, u.Failed = sortedUIDs(succ), sortedUIDs(fail)
		if err := s.putStatus(ctx); err != nil {
			return err
		}
		st, u = &s.job.Status, s.job.Status.UncountedTerminatedPods
	}
	for _, p := range toRelease {
		rv, err := s.c.releaseFinalizer(ctx, p)
		if err != nil {
			return err
		}
		// Later syncs wait for the pod cache to show the removal: the
		// status counts the pod from now on.
		s.c.releases.record(s.key, p.UID, rv)
		s.released.Insert(p.UID)
	}
	s.moveCounted(succ, fail)
	u.Succeeded, u.Failed = sortedUIDs(succ), sortedUIDs(fail)
	return nil
}

// collectFinished adds newly finished pods to the uncounted sets and
// returns every pod whose finalizer should go.
func (s *syncState) collectFinished(succ, fail sets.Set[types.UID]) ([]*corev1.Pod, bool) {
	var toRelease []*corev1.Pod
	added := false
	for _, p := range s.pods {
		if !hasFinalizer(p) {
			continue
		}
		switch {
		case succ.Has(p.UID) || fail.Has(p.UID):
		case p.Status.Phase == corev1.PodSucceeded:
			succ.Insert(p.UID)
			added = true
		case isFailed(s.job, p):
			if !s.judgeFailure(p) {
				toRelease = append(toRelease, p) // ignored by policy: not counted
				continue
			}
			fail.Insert(p.UID)
			added = true
		default:
			continue
		}
		toRelease = append(toRelease, p)
	}
	return toRelease, added
}

// judgeFailure applies the pod failure policy to a newly failed pod; it
// reports whether the failure counts.
func (s *syncState) judgeFailure(p *corev1.Pod) bool {
	m, ok := matchFailurePolicy(s.job.Spec.PodFailurePolicy, p)
	if !ok {
		return true
	}
	switch m.action {
	case batchv1.PodFailurePolicyActionIgnore:
		return false
	case batchv1.PodFailurePolicyActionFailJob:
		if s.policyFailure == nil {
			s.policyFailure = &m
		}
	case batchv1.PodFailurePolicyActionFailIndex:
		if ix := podIndex(p); ix != noIndex && isIndexed(s.job) {
			s.addFailedIndex(ix)
		}
	}
	return true
}

func (s *syncState) addFailedIndex(ix int) {
	st := &s.job.Status
	set := parseIndexes(ptrString(st.FailedIndexes), completionsOf(s.job))
	set.Insert(ix)
	v := formatIndexes(set)
	st.FailedIndexes = &v
}

// moveCounted moves uids whose pods no longer hold the finalizer into
// the counters (and, for Indexed jobs, completedIndexes).
func (s *syncState) moveCounted(succ, fail sets.Set[types.UID]) {
	st := &s.job.Status
	byUID := map[types.UID]*corev1.Pod{}
	for _, p := range s.pods {
		byUID[p.UID] = p
	}
	done := func(uid types.UID) (*corev1.Pod, bool) {
		p, ok := byUID[uid]
		return p, !ok || !hasFinalizer(p) || s.released.Has(uid)
	}
	completed := parseIndexes(st.CompletedIndexes, completionsOf(s.job))
	for uid := range succ {
		p, ok := done(uid)
		if !ok {
			continue
		}
		succ.Delete(uid)
		st.Succeeded++
		if p != nil && podIndex(p) != noIndex {
			completed.Insert(podIndex(p))
		}
		s.c.resetBackoff(s.key)
	}
	for uid := range fail {
		p, ok := done(uid)
		if !ok {
			continue
		}
		fail.Delete(uid)
		st.Failed++
		s.c.noteFailure(s.key, s.now.Time)
		if p != nil && s.job.Spec.BackoffLimitPerIndex != nil && podIndex(p) != noIndex &&
			podFailureCount(p)+1 > int(*s.job.Spec.BackoffLimitPerIndex) {
			s.addFailedIndex(podIndex(p))
		}
	}
	if isIndexed(s.job) {
		st.CompletedIndexes = formatIndexes(completed)
	}
}

func sortedUIDs(set sets.Set[types.UID]) []types.UID {
	out := set.UnsortedList()
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	if len(out) == 0 {
		return nil
	}
	return out
}

// releaseFinalizer removes the tracking finalizer from a pod; it returns
// the pod's resourceVersion after the removal ("" when the pod is gone).
func (c *Controller) releaseFinalizer(ctx context.Context, pod *corev1.Pod) (string, error) {
	patch := fmt.Sprintf(`{"metadata":{"$deleteFromPrimitiveList/finalizers":[%q]}}`, trackingFinalizer)
	out, err := c.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("removing tracking finalizer from pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return out.ResourceVersion, nil
}

// releaseAll frees every pod of a job that is finished or going away.
func (c *Controller) releaseAll(ctx context.Context, pods []*corev1.Pod) error {
	for _, p := range pods {
		if hasFinalizer(p) {
			if _, err := c.releaseFinalizer(ctx, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// releaseStrays frees pods that name this job as controller but belong to
// another (deleted, or recreated under the same name) job: nobody else
// would ever remove their finalizer.
func (c *Controller) releaseStrays(ctx context.Context, key string, current types.UID) error {
	objs, _ := c.podIndex.ByIndex(podsByJobIndex, key)
	for _, o := range objs {
		pod := o.(*corev1.Pod)
		ref := metav1.GetControllerOf(pod)
		if ref == nil || ref.UID == current || !hasFinalizer(pod) {
			continue
		}
		if _, err := c.releaseFinalizer(ctx, pod); err != nil {
			return err
		}
	}
	return nil
}
