package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/workqueue"
)

// statusManager writes pod statuses to the API server: only when they
// differ from what the server has, coalescing bursts of changes of one pod
// (a work queue holds each pod at most once), with a strategic merge patch
// of pods/status that carries the pod UID as a precondition.
type statusManager struct {
	client kubernetes.Interface
	// apiPod is the API object a pod's status goes to (a static pod's is
	// its mirror pod), nil when there is none.
	apiPod func(podRef) *corev1.Pod
	log    *slog.Logger
	queue  workqueue.TypedRateLimitingInterface[types.UID]

	mu      sync.Mutex
	entries map[types.UID]*statusEntry
}

type statusEntry struct {
	ref     podRef
	status  *corev1.PodStatus // latest computed
	written *corev1.PodStatus // latest written successfully
	to      types.UID         // the API pod it was written to
	// writtenRV is the resourceVersion the last write produced: an
	// informer pod older than that does not show the write yet, so its
	// conditions say nothing about whether someone else changed them.
	writtenRV uint64
	start     time.Time
	terminal  bool
}

func newStatusManager(client kubernetes.Interface, apiPod func(podRef) *corev1.Pod, log *slog.Logger) *statusManager {
	return &statusManager{
		client: client, apiPod: apiPod, log: log, entries: map[types.UID]*statusEntry{},
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[types.UID]()),
	}
}

func (m *statusManager) entry(pod *corev1.Pod) *statusEntry {
	e := m.entries[pod.UID]
	if e == nil {
		e = &statusEntry{ref: refOf(pod)}
		m.entries[pod.UID] = e
	}
	return e
}

// set records the status the kubelet computed and queues a write if it
// changed.
func (m *statusManager) set(pod *corev1.Pod, st corev1.PodStatus) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entry(pod)
	if e.terminal && !terminalPhase(st.Phase) {
		return // never leave a terminal phase
	}
	e.terminal = e.terminal || terminalPhase(st.Phase)
	if e.status != nil && apiequality.Semantic.DeepEqual(*e.status, st) && !overwritten(pod, e) {
		return
	}
	e.status = &st
	m.queue.Add(pod.UID)
}

// terminal reports whether the kubelet decided the pod is finished.
func (m *statusManager) terminal(uid types.UID) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[uid]
	return e != nil && e.terminal
}

// startTime is when the kubelet first saw the pod (kept in the status).
func (m *statusManager) startTime(pod *corev1.Pod, now time.Time) time.Time {
	if pod.Status.StartTime != nil {
		return pod.Status.StartTime.Time
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entry(pod)
	if e.start.IsZero() {
		e.start = now
	}
	return e.start
}

// podWithLatestStatus overlays what the kubelet computed last on the
// informer's pod, which may not show the kubelet's own writes yet: the
// transition times and the phase then stay stable.
func (m *statusManager) podWithLatestStatus(pod *corev1.Pod) *corev1.Pod {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.entries[pod.UID]
	if e == nil || e.status == nil {
		return pod
	}
	out := pod.DeepCopy()
	if out.Status.StartTime == nil {
		out.Status.StartTime = e.status.StartTime
	}
	if terminalPhase(e.status.Phase) {
		out.Status.Phase = e.status.Phase
		if e.status.Reason != "" { // e.g. Evicted: the kubelet's own verdict
			out.Status.Reason, out.Status.Message = e.status.Reason, e.status.Message
		}
	}
	conds := out.Status.Conditions[:0:0]
	has := map[corev1.PodConditionType]bool{}
	for _, c := range out.Status.Conditions {
		if !kubeletConditions[c.Type] {
			conds = append(conds, c)
			has[c.Type] = true
		}
	}
	for _, c := range e.status.Conditions {
		if kubeletConditions[c.Type] || (c.Type == corev1.DisruptionTarget && !has[c.Type]) {
			conds = append(conds, c)
		}
	}
	out.Status.Conditions = conds
	return out
}

// resend queues a write of the latest status (to a new mirror pod).
func (m *statusManager) resend(uid types.UID) { m.queue.Add(uid) }

func (m *statusManager) forget(uid types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, uid)
}

// run writes queued statuses until ctx ends.
func (m *statusManager) run(ctx context.Context) {
	go func() {
		<-ctx.Done()
		m.queue.ShutDown()
	}()
	for {
		uid, quit := m.queue.Get()
		if quit {
			return
		}
		if err := m.sync(ctx, uid); err != nil {
			m.log.Warn("write pod status", "uid", uid, "err", err)
			m.queue.AddRateLimited(uid)
		} else {
			m.queue.Forget(uid)
		}
		m.queue.Done(uid)
	}
}

func (m *statusManager) sync(ctx context.Context, uid types.UID) error {
	m.mu.Lock()
	e := m.entries[uid]
	var ref podRef
	var st, written *corev1.PodStatus
	var to types.UID
	var writtenRV uint64
	if e != nil {
		ref, st, written, to, writtenRV = e.ref, e.status, e.written, e.to, e.writtenRV
	}
	m.mu.Unlock()
	if st == nil {
		return nil
	}
	pod := m.apiPod(ref)
	if pod == nil {
		return nil // deleted (or a static pod without mirror yet): nothing to report to
	}
	// Skip what was written already, unless someone else (the node
	// lifecycle controller marking pods not ready) changed the conditions
	// since: the kubelet's view must win again, as in Kubernetes.
	if written != nil && to == pod.UID && apiequality.Semantic.DeepEqual(*written, *st) &&
		!overwritten(pod, &statusEntry{status: st, writtenRV: writtenRV}) {
		return nil
	}
	rv, err := m.write(ctx, pod, st)
	if err != nil {
		return err
	}
	m.mu.Lock()
	if e := m.entries[uid]; e != nil {
		e.written, e.to = st, pod.UID
		if rv != 0 {
			e.writtenRV = rv
		}
	}
	m.mu.Unlock()
	return nil
}

// writeNow writes a status at once (final status before deletion).
func (m *statusManager) writeNow(ctx context.Context, pod *corev1.Pod, st corev1.PodStatus) error {
	m.set(pod, st)
	return m.sync(ctx, pod.UID)
}

// write patches the pod's status to st and returns the resourceVersion
// the write produced (0 when nothing was written).
func (m *statusManager) write(ctx context.Context, pod *corev1.Pod, st *corev1.PodStatus) (uint64, error) {
	if apiequality.Semantic.DeepEqual(pod.Status, *st) {
		return 0, nil
	}
	patch, err := statusPatch(pod, st)
	if err != nil {
		return 0, err
	}
	out, err := m.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return 0, nil // gone, or replaced by another pod of that name
	}
	if err != nil {
		return 0, fmt.Errorf("patch status of %s: %w", podKey(pod), err)
	}
	return parseRV(out.ResourceVersion), nil
}

// overwritten says whether the API pod's conditions disagree with what
// the kubelet computed last (e.status) because someone else changed them
// (the node lifecycle controller marking pods not ready): the kubelet's
// view must then win again, as in Kubernetes. A pod older than the
// kubelet's own last write only lags behind it and is not overwritten.
func overwritten(pod *corev1.Pod, e *statusEntry) bool {
	if rv := parseRV(pod.ResourceVersion); rv != 0 && rv < e.writtenRV {
		return false
	}
	return conditionsDiffer(pod.Status.Conditions, e.status.Conditions)
}

// parseRV reads a resourceVersion as the number this API server makes of
// it (an etcd revision); 0 when it is not one.
func parseRV(rv string) uint64 {
	n, err := strconv.ParseUint(rv, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// statusPatch is a strategic merge patch from the pod's status to st, with
// the pod UID as precondition.
func statusPatch(pod *corev1.Pod, st *corev1.PodStatus) ([]byte, error) {
	oldJSON, err := json.Marshal(corev1.Pod{Status: pod.Status})
	if err != nil {
		return nil, fmt.Errorf("encode pod status: %w", err)
	}
	newJSON, err := json.Marshal(corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: pod.UID}, Status: *st})
	if err != nil {
		return nil, fmt.Errorf("encode pod status: %w", err)
	}
	patch, err := strategicpatch.CreateTwoWayMergePatch(oldJSON, newJSON, corev1.Pod{})
	if err != nil {
		return nil, fmt.Errorf("pod status patch: %w", err)
	}
	return patch, nil
}

// conditionsDiffer says whether two condition lists disagree on any
// condition's status (times and messages aside).
func conditionsDiffer(a, b []corev1.PodCondition) bool {
	if len(a) != len(b) {
		return true
	}
	want := make(map[corev1.PodConditionType]corev1.ConditionStatus, len(b))
	for _, c := range b {
		want[c.Type] = c.Status
	}
	for _, c := range a {
		if s, ok := want[c.Type]; !ok || s != c.Status {
			return true
		}
	}
	return false
}
