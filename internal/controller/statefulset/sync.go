package statefulset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/controller/ctrlutil"
)

// sync reconciles one StatefulSet:
//
//	claim pods ─► revisions (update/current) ─► plan ─► create/delete ─► status ─► trim history
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	set, err := c.sets.StatefulSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s from cache: %w", key, err)
	}
	sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil || sel.Empty() {
		return nil // invalid selectors are rejected by validation; nothing to do
	}
	pods, err := c.claimPods(ctx, set, sel)
	if err != nil {
		return err
	}
	h, err := c.syncHistory(ctx, set, sel)
	if err != nil {
		return fmt.Errorf("revisions of %s: %w", key, err)
	}
	var manageErr error
	if set.DeletionTimestamp == nil {
		manageErr = c.manage(ctx, set, pods, h)
	}
	st := c.computeStatus(set, pods, h)
	if err := c.writeStatus(ctx, set, st); err != nil {
		return errors.Join(err, manageErr)
	}
	if manageErr == nil {
		manageErr = c.trimHistory(ctx, set, h, pods)
	}
	if manageErr == nil && set.Spec.MinReadySeconds > 0 && st.AvailableReplicas != st.ReadyReplicas {
		c.queue.AddAfter(key, time.Duration(set.Spec.MinReadySeconds)*time.Second)
	}
	return manageErr
}

// claimPods returns the pods the set controls, adopting orphans that
// match its selector and are named like its members.
func (c *Controller) claimPods(ctx context.Context, set *appsv1.StatefulSet, sel labels.Selector) ([]*corev1.Pod, error) {
	all, err := c.pods.Pods(set.Namespace).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("listing pods: %w", err)
	}
	var candidates []*corev1.Pod
	for _, p := range all {
		if _, ok := ordinalOf(set, p.Name); ok || ctrlutil.ControllerUID(p) == set.UID {
			candidates = append(candidates, p)
		}
	}
	return ctrlutil.Claim(ctx, c.claimer(set, sel, c.patchPod), candidates)
}

// manage runs one step of the plan.
func (c *Controller) manage(ctx context.Context, set *appsv1.StatefulSet, pods []*corev1.Pod, h *history) error {
	in := c.planInput(set, pods, h)
	byName := map[string]*corev1.Pod{}
	var errs []error
	for _, p := range pods {
		byName[p.Name] = p
		errs = append(errs, c.fixPod(ctx, set, p, in))
	}
	for _, a := range plan(in) {
		var err error
		if a.Kind == actCreate {
			err = c.createPod(ctx, set, h, a)
		} else {
			err = c.deletePod(ctx, set, byName[a.Name], a.Ordinal < in.Start || a.Ordinal >= in.Start+in.Replicas)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// fixPod restores missing identity labels and the claims' owners.
func (c *Controller) fixPod(ctx context.Context, set *appsv1.StatefulSet, p *corev1.Pod, in planInput) error {
	ord, ok := ordinalOf(set, p.Name)
	if !ok || p.DeletionTimestamp != nil {
		return nil
	}
	if l := identityPatch(p, ord); l != nil {
		patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": l}})
		if err := c.patchPod(ctx, p.Namespace, p.Name, patch); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("restoring identity of %s: %w", p.Name, err)
		}
	}
	condemned := ord < in.Start || ord >= in.Start+in.Replicas
	return c.syncClaimOwners(ctx, set, p, ord, condemned)
}

func (c *Controller) planInput(set *appsv1.StatefulSet, pods []*corev1.Pod, h *history) planInput {
	in := planInput{
		Start: startOrdinal(set), Replicas: replicas(set),
		Parallel:        set.Spec.PodManagementPolicy == appsv1.ParallelPodManagement,
		OnDelete:        set.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType,
		CurrentRevision: h.current.Name, UpdateRevision: h.update.Name,
	}
	if ru := set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		in.Partition = int(*ru.Partition)
	}
	now := c.now()
	for _, p := range pods {
		ord, ok := ordinalOf(set, p.Name)
		if !ok {
			ord = -1 // misnamed: always condemned
		}
		in.Members = append(in.Members, member{
			Name: p.Name, Ordinal: ord, Revision: podRevision(p),
			Terminating: p.DeletionTimestamp != nil,
			Finished:    p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded,
			Healthy:     healthy(p, set.Spec.MinReadySeconds, now),
		})
	}
	return in
}

// healthy is Running and Ready, for minReadySeconds.
func healthy(p *corev1.Pod, minReady int32, now time.Time) bool {
	return p.Status.Phase == corev1.PodRunning && ctrlutil.IsPodAvailable(p, minReady, now)
}

func (c *Controller) createPod(ctx context.Context, set *appsv1.StatefulSet, h *history, a action) error {
	tmpl, err := h.template(a.Revision)
	if err != nil {
		return err
	}
	pod, err := newPod(set, tmpl, a.Revision, a.Ordinal)
	if err != nil {
		return err
	}
	if err := c.ensureClaims(ctx, set, a.Ordinal); err != nil {
		return err
	}
	got, err := c.client.CoreV1().Pods(set.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil // our cache is behind
	}
	if err != nil {
		if !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			c.recorder.Eventf(set, nil, corev1.EventTypeWarning, "FailedCreate", "Create",
				"create Pod %s in StatefulSet %s failed error: %v", pod.Name, set.Name, err)
		}
		return fmt.Errorf("creating pod %s: %w", pod.Name, err)
	}
	// The pod goes in as the related object: the events library merges
	// events of the same reason about the same object into one series.
	c.recorder.Eventf(set, got, corev1.EventTypeNormal, "SuccessfulCreate", "Create",
		"create Pod %s in StatefulSet %s successful", pod.Name, set.Name)
	return nil
}

// deletePod deletes a pod (by uid, never a same-named successor); the
// claims of a condemned pod first get the pod as owner if the policy says
// they go with it.
func (c *Controller) deletePod(ctx context.Context, set *appsv1.StatefulSet, pod *corev1.Pod, condemned bool) error {
	if pod == nil {
		return nil
	}
	if ord, ok := ordinalOf(set, pod.Name); ok {
		if err := c.syncClaimOwners(ctx, set, pod, ord, condemned); err != nil {
			return err
		}
	}
	err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &pod.UID},
	})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil // already gone or replaced
	}
	if err != nil {
		c.recorder.Eventf(set, pod, corev1.EventTypeWarning, "FailedDelete", "Delete",
			"delete Pod %s in StatefulSet %s failed error: %v", pod.Name, set.Name, err)
		return fmt.Errorf("deleting pod %s: %w", pod.Name, err)
	}
	c.recorder.Eventf(set, pod, corev1.EventTypeNormal, "SuccessfulDelete", "Delete",
		"delete Pod %s in StatefulSet %s successful", pod.Name, set.Name)
	return nil
}
