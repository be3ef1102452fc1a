package kubelet

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metascheme "k8s.io/apimachinery/pkg/apis/meta/internalversion/scheme"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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
	scratch []byte // for fingerprints in set
}

type statusEntry struct {
	ref    podRef
	status *corev1.PodStatus // latest computed
	// fingerprint is status's (see statusFingerprint): syncs compare the
	// status they compute with it, and writes with the API's.
	fingerprint []byte
	written     []byte    // fingerprint of the latest status written successfully
	to          types.UID // the API pod it was written to
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
	// Most syncs compute the status they computed last: encode it into
	// scratch space, and keep a copy only when it changed.
	m.scratch = encodeFingerprint(m.scratch, &st)
	if e.status != nil && sameFingerprint(e.fingerprint, m.scratch) && !overwritten(pod, e) {
		return
	}
	latest := st
	e.status, e.fingerprint = &latest, bytes.Clone(m.scratch)
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
	// A shallow copy: computePodStatus only reads the pod, and starts from
	// a deep copy of its status; only the conditions list is new here.
	// (Deep-copying the whole pod was a large share of each sync.)
	out := *pod
	if out.Status.StartTime == nil {
		out.Status.StartTime = e.status.StartTime
	}
	if terminalPhase(e.status.Phase) {
		out.Status.Phase = e.status.Phase
		if e.status.Reason != "" { // e.g. Evicted: the kubelet's own verdict
			out.Status.Reason, out.Status.Message = e.status.Reason, e.status.Message
		}
	}
	conds := make([]corev1.PodCondition, 0, len(e.status.Conditions)+foreignConditions(out.Status.Conditions))
	for _, c := range out.Status.Conditions {
		if !kubeletConditions[c.Type] {
			conds = append(conds, c)
		}
	}
	foreign := conds
	for _, c := range e.status.Conditions {
		keep := kubeletConditions[c.Type]
		if !keep && c.Type == corev1.DisruptionTarget {
			_, set := lastConditionStatus(foreign, c.Type)
			keep = !set // the kubelet's own, unless someone else set it
		}
		if keep {
			conds = append(conds, c)
		}
	}
	out.Status.Conditions = conds
	return &out
}

// foreignConditions counts the conditions the kubelet does not own.
func foreignConditions(conds []corev1.PodCondition) int {
	n := 0
	for i := range conds {
		if !kubeletConditions[conds[i].Type] {
			n++
		}
	}
	return n
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
	var st *corev1.PodStatus
	var fp, written []byte
	var to types.UID
	var writtenRV uint64
	if e != nil {
		ref, st, fp, written, to, writtenRV = e.ref, e.status, e.fingerprint, e.written, e.to, e.writtenRV
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
	if to == pod.UID && sameFingerprint(written, fp) &&
		!overwritten(pod, &statusEntry{status: st, writtenRV: writtenRV}) {
		return nil
	}
	rv, err := m.write(ctx, pod, st, fp)
	if err != nil {
		return err
	}
	m.mu.Lock()
	if e := m.entries[uid]; e != nil {
		e.written, e.to = fp, pod.UID
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

// write patches the pod's status to st (of fingerprint fp) and returns
// the resourceVersion the write produced (0 when nothing was written).
func (m *statusManager) write(ctx context.Context, pod *corev1.Pod, st *corev1.PodStatus, fp []byte) (uint64, error) {
	if sameFingerprint(statusFingerprint(&pod.Status), fp) {
		return 0, nil
	}
	patch, err := statusPatch(pod, st)
	if err != nil {
		return 0, err
	}
	rv, err := patchPodStatus(ctx, m.client, pod, patch)
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return 0, nil // gone, or replaced by another pod of that name
	}
	if err != nil {
		return 0, fmt.Errorf("patch status of %s: %w", podKey(pod), err)
	}
	return parseRV(rv), nil
}

// metadataOnly asks the API server to answer with the object's metadata
// alone (a PartialObjectMetadata), as client-go's metadata client does.
const metadataOnly = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1," +
	"application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"

// patchPodStatus applies a strategic merge patch to pods/status and
// returns the resourceVersion it produced. Of the answer, the kubelet
// needs only that: it asks for the pod's metadata rather than the whole
// pod, whose decoding was a visible share of every status write (and
// encoding it, of the server's).
func patchPodStatus(ctx context.Context, client kubernetes.Interface, pod *corev1.Pod, patch []byte) (string, error) {
	body, err := client.CoreV1().RESTClient().Patch(types.StrategicMergePatchType).
		Namespace(pod.Namespace).Resource("pods").Name(pod.Name).SubResource("status").
		SetHeader("Accept", metadataOnly).Body(patch).DoRaw(ctx)
	if err != nil {
		return "", err
	}
	obj, _, err := metascheme.Codecs.UniversalDeserializer().Decode(body, nil, nil)
	if err != nil {
		return "", fmt.Errorf("decode answer: %w", err)
	}
	meta, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return "", fmt.Errorf("answer is a %T, not object metadata", obj)
	}
	return meta.ResourceVersion, nil
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

// conditionsDiffer says whether two condition lists disagree on any
// condition's status (times and messages aside).
func conditionsDiffer(a, b []corev1.PodCondition) bool {
	if len(a) != len(b) {
		return true
	}
	// Lists are a handful of conditions: searching beats building a map
	// on every sync.
	for i := range a {
		if s, ok := lastConditionStatus(b, a[i].Type); !ok || s != a[i].Status {
			return true
		}
	}
	return false
}

// lastConditionStatus is the status of the last condition of type t.
func lastConditionStatus(conds []corev1.PodCondition, t corev1.PodConditionType) (corev1.ConditionStatus, bool) {
	for i := len(conds) - 1; i >= 0; i-- {
		if conds[i].Type == t {
			return conds[i].Status, true
		}
	}
	return "", false
}
