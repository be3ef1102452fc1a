package kubelet

import (
	"context"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"rudder/internal/kubelet/staticpod"
)

// staticPods are the pods of the manifest folder, by UID (a hash of the
// manifest: an edited file is a new pod, which restarts it).
type staticPods struct {
	mu    sync.RWMutex
	byUID map[types.UID]*corev1.Pod
	poke  chan struct{} // capacity 1: mirror pods need a look
}

func newStaticPods() *staticPods {
	return &staticPods{byUID: map[types.UID]*corev1.Pod{}, poke: make(chan struct{}, 1)}
}

func (s *staticPods) get(uid types.UID) *corev1.Pod {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byUID[uid]
}

func (s *staticPods) list() []*corev1.Pod {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*corev1.Pod, 0, len(s.byUID))
	for _, p := range s.byUID {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// replace installs the pods just read and returns those added or gone.
func (s *staticPods) replace(pods []*corev1.Pod) []podRef {
	next := make(map[types.UID]*corev1.Pod, len(pods))
	for _, p := range pods {
		next[p.UID] = p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var changed []podRef
	for uid, p := range next {
		if s.byUID[uid] == nil {
			changed = append(changed, refOf(p))
		}
	}
	for uid, p := range s.byUID {
		if next[uid] == nil {
			changed = append(changed, refOf(p))
		}
	}
	s.byUID = next
	return changed
}

func (s *staticPods) wake() {
	select {
	case s.poke <- struct{}{}:
	default:
	}
}

func isMirrorPod(pod *corev1.Pod) bool { return staticpod.IsMirror(pod) }

// getPod is the pod a worker syncs: a static pod, else the API's.
func (k *Kubelet) getPod(ref podRef) *corev1.Pod {
	if p := k.static.get(ref.UID); p != nil {
		return p
	}
	return k.pods.Get(ref)
}

// apiPod is the API object that shows a pod's status: the pod itself, or
// the current mirror of a static pod (nil while it has none).
func (k *Kubelet) apiPod(ref podRef) *corev1.Pod {
	s := k.static.get(ref.UID)
	if s == nil {
		return k.pods.Get(ref)
	}
	m := k.pods.getByName(s.Namespace, s.Name)
	if m == nil || !isMirrorPod(m) || staticpod.MirrorHash(m) != string(s.UID) || m.DeletionTimestamp != nil {
		return nil
	}
	return m
}

// onPodEvent wakes the worker of an API pod; with static pods, a change to
// any pod may be one to a mirror pod.
func (k *Kubelet) onPodEvent(ref podRef) {
	k.workers.wakeRef(ref)
	if k.cfg.StaticPodPath != "" {
		k.static.wake()
	}
}

// syncMirror handles a mirror pod's worker: mirrors never run (their
// static pod does); a new mirror gets the static pod's status.
func (k *Kubelet) syncMirror(mirror *corev1.Pod) {
	k.static.wake()
	if s := k.static.get(types.UID(staticpod.MirrorHash(mirror))); s != nil && mirror.DeletionTimestamp == nil {
		k.status.resend(s.UID)
	}
}

// staticPodLoop re-reads the manifest folder every StaticPodCheckPeriod
// and keeps mirror pods in line whenever pods change, until ctx ends.
func (k *Kubelet) staticPodLoop(ctx context.Context) {
	nextLoad := k.cfg.Clock.Now().Add(k.cfg.StaticPodCheckPeriod)
	for {
		k.reconcileMirrors(ctx)
		t := k.cfg.Clock.NewTimer(nextLoad.Sub(k.cfg.Clock.Now()))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-k.static.poke:
			t.Stop()
		case <-t.C():
			k.loadStaticPods()
			nextLoad = k.cfg.Clock.Now().Add(k.cfg.StaticPodCheckPeriod)
		}
	}
}

// loadStaticPods reads the folder and wakes the workers of pods added
// (started) or gone (stopped and removed).
func (k *Kubelet) loadStaticPods() {
	if k.cfg.StaticPodPath == "" {
		return
	}
	pods, errs := staticpod.Load(k.cfg.StaticPodPath, k.cfg.NodeName)
	for _, err := range errs {
		k.log.Warn("static pod manifest", "err", err)
	}
	for _, ref := range k.static.replace(pods) {
		k.log.Info("static pod changed", "pod", ref.Namespace+"/"+ref.Name, "uid", ref.UID)
		k.workers.wakeRef(ref)
	}
}

// reconcileMirrors deletes mirror pods of static pods that are gone or
// changed, or that a user deleted, and creates the missing ones.
func (k *Kubelet) reconcileMirrors(ctx context.Context) {
	want := map[string]*corev1.Pod{}
	for _, s := range k.static.list() {
		want[s.Namespace+"/"+s.Name] = s
	}
	ok := map[string]bool{}
	for _, m := range k.pods.List(k.cfg.NodeName) {
		if !isMirrorPod(m) {
			continue
		}
		key := m.Namespace + "/" + m.Name
		if s := want[key]; s != nil && staticpod.MirrorHash(m) == string(s.UID) && m.DeletionTimestamp == nil {
			ok[key] = true
			continue
		}
		k.deleteMirror(ctx, m)
	}
	for key, s := range want {
		if !ok[key] {
			k.createMirror(ctx, s)
		}
	}
}

func (k *Kubelet) deleteMirror(ctx context.Context, m *corev1.Pod) {
	uid := m.UID
	err := k.cfg.Client.CoreV1().Pods(m.Namespace).Delete(ctx, m.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptrTo(int64(0)), Preconditions: &metav1.Preconditions{UID: &uid},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		k.log.Warn("delete mirror pod", "pod", podKey(m), "err", err)
		return
	}
	k.log.Info("deleted mirror pod", "pod", podKey(m))
}

func (k *Kubelet) createMirror(ctx context.Context, s *corev1.Pod) {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName}}
	if uid, ok := k.nodeUID.Load().(types.UID); ok {
		node.UID = uid
	}
	_, err := k.cfg.Client.CoreV1().Pods(s.Namespace).Create(ctx, staticpod.Mirror(s, node), metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		// The informer has not shown it yet, or the old one is still
		// going: the next event brings another look.
	case err != nil:
		k.log.Warn("create mirror pod", "pod", podKey(s), "err", err)
	default:
		k.log.Info("created mirror pod", "pod", podKey(s))
	}
}
