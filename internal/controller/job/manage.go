package job

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// maxCreatesPerSync bounds one sync's burst of pod creations.
const maxCreatesPerSync = 500

// manage creates or deletes pods so the job runs as many as it should.
func (s *syncState) manage(ctx context.Context) error {
	if isIndexed(s.job) {
		return s.manageIndexed(ctx)
	}
	st := &s.job.Status
	active := s.activePods()
	succeeded := st.Succeeded + int32(len(st.UncountedTerminatedPods.Succeeded))
	want := wantActive(s.job, succeeded, int32(len(active)))
	have := int32(len(active) + s.pendingReplacements())
	if excess := int32(len(active)) - want; excess > 0 {
		sortForDeletion(active)
		s.deletePods(ctx, active[:excess])
		return nil
	}
	if have >= want || !s.backoffOver() {
		return nil
	}
	n := min(int(want-have), maxCreatesPerSync)
	pods := make([]*corev1.Pod, n)
	for i := range pods {
		pods[i] = newPod(s.job, noIndex, 0)
	}
	return s.createPods(ctx, pods)
}

// pendingReplacements counts terminating pods that still hold their
// place: with podReplacementPolicy Failed, a replacement waits until the
// old pod has really failed.
func (s *syncState) pendingReplacements() int {
	if !onlyReplaceFailed(s.job) {
		return 0
	}
	n := 0
	for _, p := range s.pods {
		if isTerminating(p) && !isFailed(s.job, p) {
			n++
		}
	}
	return n
}

// manageIndexed keeps one pod per pending index, lowest indexes first,
// at most parallelism at a time.
func (s *syncState) manageIndexed(ctx context.Context) error {
	st := &s.job.Status
	total := completionsOf(s.job)
	done := parseIndexes(st.CompletedIndexes, total).Union(parseIndexes(ptrString(st.FailedIndexes), total))
	keep, drop := s.partitionIndexed(done)
	if excess := len(keep) - int(parallelismOf(s.job)); excess > 0 {
		sort.Slice(keep, func(i, j int) bool { return podIndex(keep[i]) > podIndex(keep[j]) })
		drop = append(drop, keep[:excess]...)
		keep = keep[excess:]
	}
	s.deletePods(ctx, drop)
	busy := sets.New[int]()
	for _, p := range keep {
		busy.Insert(podIndex(p))
	}
	for _, p := range s.pods {
		if onlyReplaceFailed(s.job) && isTerminating(p) && !isFailed(s.job, p) {
			busy.Insert(podIndex(p))
		}
	}
	free := int(parallelismOf(s.job)) - len(keep)
	if free <= 0 || !s.backoffOver() {
		return nil
	}
	var pods []*corev1.Pod
	for ix := 0; ix < int(total) && len(pods) < min(free, maxCreatesPerSync); ix++ {
		if !done.Has(ix) && !busy.Has(ix) {
			pods = append(pods, newPod(s.job, ix, s.indexFailures(ix)))
		}
	}
	return s.createPods(ctx, pods)
}

// partitionIndexed splits active pods into one keeper per pending index
// and the rest (bad index, finished index, duplicates).
func (s *syncState) partitionIndexed(done sets.Set[int]) (keep, drop []*corev1.Pod) {
	byIndex := map[int][]*corev1.Pod{}
	for _, p := range s.activePods() {
		ix := podIndex(p)
		if ix == noIndex || ix >= int(completionsOf(s.job)) || done.Has(ix) {
			drop = append(drop, p)
			continue
		}
		byIndex[ix] = append(byIndex[ix], p)
	}
	for _, group := range byIndex {
		sortForDeletion(group)
		keep = append(keep, group[len(group)-1])
		drop = append(drop, group[:len(group)-1]...)
	}
	return keep, drop
}

// indexFailures is how many pods of an index have failed so far, for
// backoffLimitPerIndex.
func (s *syncState) indexFailures(ix int) int {
	n := 0
	for _, p := range s.pods {
		if podIndex(p) == ix && isFailed(s.job, p) {
			n = max(n, podFailureCount(p)+1)
		}
	}
	return n
}

// backoffOver says whether failed pods may be replaced yet; if not it
// asks for a sync when they may.
func (s *syncState) backoffOver() bool {
	wait := s.c.backoffRemaining(s.key, s.now.Time)
	if wait <= 0 {
		return true
	}
	s.wantRequeue(wait)
	return false
}

func (s *syncState) createPods(ctx context.Context, pods []*corev1.Pod) error {
	if len(pods) == 0 {
		return nil
	}
	s.c.expect.expect(s.key, len(pods), 0)
	for i, pod := range pods {
		out, err := s.c.client.CoreV1().Pods(s.job.Namespace).Create(ctx, pod, metav1.CreateOptions{})
		if err != nil {
			// The pods not created will never be observed.
			s.c.expect.observe(s.key, len(pods)-i, 0)
			if apierrors.IsForbidden(err) || apierrors.IsAlreadyExists(err) {
				s.c.event(s.job, corev1.EventTypeWarning, "FailedCreate", "Create", "Error creating: %v", err)
			}
			return fmt.Errorf("creating pod for job %s: %w", s.key, err)
		}
		s.created++
		s.c.event(s.job, corev1.EventTypeNormal, "SuccessfulCreate", "Create", "Created pod: %s", out.Name)
	}
	return nil
}

// deletePods deletes pods; failures are retried by later syncs, which
// will still see the pods active.
func (s *syncState) deletePods(ctx context.Context, pods []*corev1.Pod) {
	if len(pods) == 0 {
		return
	}
	s.c.expect.expect(s.key, 0, len(pods))
	for _, pod := range pods {
		err := s.c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &pod.UID}})
		if err != nil {
			s.c.expect.observe(s.key, 0, 1)
			if !apierrors.IsNotFound(err) {
				s.c.event(s.job, corev1.EventTypeWarning, "FailedDelete", "Delete", "Error deleting: %v", err)
				s.wantRequeue(time.Second)
			}
			continue
		}
		s.deleted.Insert(pod.UID)
		s.c.event(s.job, corev1.EventTypeNormal, "SuccessfulDelete", "Delete", "Deleted pod: %s", pod.Name)
	}
}

// noteFailure, resetBackoff and backoffRemaining keep the per-job
// failure backoff: base * 2^(failures-1) after the last failure.
func (c *Controller) noteFailure(key string, at time.Time) {
	c.backoffMu.Lock()
	defer c.backoffMu.Unlock()
	b := c.backoffs[key]
	b.failures++
	b.last = at
	c.backoffs[key] = b
}

func (c *Controller) resetBackoff(key string) {
	c.backoffMu.Lock()
	defer c.backoffMu.Unlock()
	delete(c.backoffs, key)
}

func (c *Controller) backoffRemaining(key string, now time.Time) time.Duration {
	c.backoffMu.Lock()
	defer c.backoffMu.Unlock()
	b, ok := c.backoffs[key]
	if !ok || b.failures == 0 || c.opts.PodBackoffBase < 0 {
		return 0
	}
	d := c.opts.PodBackoffBase
	for i := 1; i < b.failures && d < c.opts.PodBackoffMax; i++ {
		d *= 2
	}
	d = min(d, c.opts.PodBackoffMax)
	return b.last.Add(d).Sub(now)
}
