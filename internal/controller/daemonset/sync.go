package daemonset

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/controller/ctrlutil"
)

// Labels on daemon pods, as Kubernetes sets them.
const (
	hashLabel       = appsv1.DefaultDaemonSetUniqueLabelKey // controller-revision-hash
	generationLabel = "pod-template-generation"             // deprecated, still set
)

// sync reconciles one DaemonSet:
//
//	claim pods ─► revision (hash) ─► node fit ─► plan ─► delete | create ─► status ─► trim history
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	ds, err := c.sets.DaemonSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.Delete(key)
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s from cache: %w", key, err)
	}
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil || sel.Empty() {
		return nil // rejected by validation; nothing sensible to do
	}
	satisfied := c.expect.Satisfied(key)
	pods, err := c.claimPods(ctx, ds, sel)
	if err != nil {
		return err
	}
	h, err := c.syncHistory(ctx, ds, sel)
	if err != nil {
		return fmt.Errorf("revisions of %s: %w", key, err)
	}
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return fmt.Errorf("listing nodes: %w", err)
	}
	fits := nodeFits(ds, nodes)
	var manageErr error
	if satisfied && ds.DeletionTimestamp == nil {
		manageErr = c.manage(ctx, ds, c.planInput(ds, fits, pods, h.hash), h.hash)
	}
	st := c.computeStatus(ds, fits, pods, h)
	if err := c.writeStatus(ctx, ds, st); err != nil {
		return errors.Join(err, manageErr)
	}
	if manageErr == nil {
		manageErr = c.trimHistory(ctx, ds, h, pods)
	}
	if manageErr == nil && ds.Spec.MinReadySeconds > 0 && st.NumberAvailable != st.NumberReady {
		c.queue.AddAfter(key, time.Duration(ds.Spec.MinReadySeconds)*time.Second)
	}
	return manageErr
}

func (c *Controller) claimPods(ctx context.Context, ds *appsv1.DaemonSet, sel labels.Selector) ([]*corev1.Pod, error) {
	all, err := c.pods.Pods(ds.Namespace).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("listing pods: %w", err)
	}
	return ctrlutil.Claim(ctx, c.claimer(ds, sel, c.patchPod), all)
}

func nodeFits(ds *appsv1.DaemonSet, nodes []*corev1.Node) []nodeFit {
	out := make([]nodeFit, 0, len(nodes))
	for _, n := range nodes {
		run, keep := eligibility(n, &ds.Spec.Template.Spec)
		out = append(out, nodeFit{Name: n.Name, Run: run, Keep: keep})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (c *Controller) planInput(ds *appsv1.DaemonSet, fits []nodeFit, pods []*corev1.Pod, hash string) planInput {
	in := planInput{Nodes: fits, OnDelete: ds.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType}
	desired := 0
	for _, f := range fits {
		if f.Run {
			desired++
		}
	}
	in.MaxUnavailable, in.MaxSurge = budgets(ds, desired)
	sorted := append([]*corev1.Pod(nil), pods...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[i].CreationTimestamp.Before(&sorted[j].CreationTimestamp)
	})
	now := c.now()
	for i, p := range sorted {
		in.Pods = append(in.Pods, daemonPod{
			Name: p.Name, Node: targetNode(p), Age: i,
			Current:     p.Labels[hashLabel] == hash,
			Available:   ctrlutil.IsPodAvailable(p, ds.Spec.MinReadySeconds, now),
			Terminating: p.DeletionTimestamp != nil,
			Failed:      p.Status.Phase == corev1.PodFailed,
		})
	}
	return in
}

// budgets scales maxUnavailable and maxSurge (rounding up) against the
// number of nodes that should run the pod; with both zero one pod may be
// unavailable, so that an update can progress at all.
func budgets(ds *appsv1.DaemonSet, desired int) (unavailable, surge int) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ru != nil {
		unavailable = scaled(ru.MaxUnavailable, desired)
		surge = scaled(ru.MaxSurge, desired)
	}
	if unavailable == 0 && surge == 0 {
		unavailable = 1
	}
	return unavailable, surge
}

func scaled(v *intstr.IntOrString, total int) int {
	if v == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, total, true)
	if err != nil {
		return 0
	}
	return n
}

// manage runs one step of the plan: deletions first; creations only in a
// step without deletions, once those have been observed (expectations
// track one kind of operation at a time).
func (c *Controller) manage(ctx context.Context, ds *appsv1.DaemonSet, in planInput, hash string) error {
	p := plan(in)
	if len(p.Delete) > 0 {
		return c.deletePods(ctx, ds, p.Delete)
	}
	if len(p.Create) > 0 {
		return c.createPods(ctx, ds, p.Create, hash)
	}
	return nil
}

func (c *Controller) deletePods(ctx context.Context, ds *appsv1.DaemonSet, names []string) error {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = ds.Namespace + "/" + n
	}
	c.expect.ExpectDeletions(dsKey(ds), keys)
	var errs []error
	for i, n := range names {
		err := c.client.CoreV1().Pods(ds.Namespace).Delete(ctx, n, metav1.DeleteOptions{})
		if err != nil {
			c.expect.DeletionObserved(dsKey(ds), keys[i])
			if apierrors.IsNotFound(err) {
				continue
			}
			c.recorder.Eventf(ds, nil, corev1.EventTypeWarning, "FailedDelete", "Delete", "Error deleting: %v", err)
			errs = append(errs, fmt.Errorf("deleting pod %s: %w", n, err))
			continue
		}
		c.recorder.Eventf(ds, &corev1.ObjectReference{Kind: "Pod", Namespace: ds.Namespace, Name: n, APIVersion: "v1"},
			corev1.EventTypeNormal, "SuccessfulDelete", "Delete", "Deleted pod: %s", n)
	}
	return errors.Join(errs...)
}

func (c *Controller) createPods(ctx context.Context, ds *appsv1.DaemonSet, nodes []string, hash string) error {
	c.expect.ExpectCreations(dsKey(ds), len(nodes))
	var errs []error
	for _, node := range nodes {
		if err := c.createPod(ctx, ds, node, hash); err != nil {
			c.expect.CreationObserved(dsKey(ds)) // will never be seen
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *Controller) createPod(ctx context.Context, ds *appsv1.DaemonSet, node, hash string) error {
	pod, err := ctrlutil.PodFromTemplate(&ds.Spec.Template, ds, ctrlutil.NewControllerRef(ds, controllerKind))
	if err != nil {
		return err
	}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[hashLabel] = hash
	pod.Labels[generationLabel] = strconv.FormatInt(ds.Generation, 10)
	addDefaultTolerations(&pod.Spec)
	pinToNode(&pod.Spec, node)
	got, err := c.client.CoreV1().Pods(ds.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if !apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			c.recorder.Eventf(ds, nil, corev1.EventTypeWarning, "FailedCreate", "Create", "Error creating: %v", err)
		}
		return fmt.Errorf("creating pod for node %s: %w", node, err)
	}
	// The pod is the related object: the events library merges events of
	// one reason about one object into a single series.
	c.recorder.Eventf(ds, got, corev1.EventTypeNormal, "SuccessfulCreate", "Create", "Created pod: %s", got.Name)
	return nil
}

func (c *Controller) patchPod(ctx context.Context, ns, name string, patch []byte) error {
	_, err := c.client.CoreV1().Pods(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	return err
}

func (c *Controller) patchRevision(ctx context.Context, ns, name string, patch []byte) error {
	_, err := c.client.AppsV1().ControllerRevisions(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	return err
}

func (c *Controller) claimer(ds *appsv1.DaemonSet, sel labels.Selector, patch ctrlutil.PatchFunc) *ctrlutil.Claimer {
	return &ctrlutil.Claimer{
		Owner: ds, GVK: controllerKind, Selector: sel, Patch: patch,
		CanAdopt: func(ctx context.Context) error {
			fresh, err := c.client.AppsV1().DaemonSets(ds.Namespace).Get(ctx, ds.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if fresh.UID != ds.UID {
				return fmt.Errorf("daemonset %s was replaced", ds.Name)
			}
			if fresh.DeletionTimestamp != nil {
				return fmt.Errorf("daemonset %s is being deleted", ds.Name)
			}
			return nil
		},
	}
}
