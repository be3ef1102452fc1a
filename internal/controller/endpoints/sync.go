package endpoints

import (
	"context"
	"fmt"
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	if c.opts.APIServerAddress != "" && ns == metav1.NamespaceDefault && name == KubernetesServiceName {
		return c.reconcileKubernetesService(ctx)
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.triggers.take(key)
		return c.deleteEndpoints(ctx, ns, name)
	}
	if err != nil {
		return err
	}
	// Services without a selector have user-managed Endpoints.
	if svc.Spec.Selector == nil || svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	pods, err := c.pods.Pods(ns).List(labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return fmt.Errorf("listing pods of %s: %w", key, err)
	}
	subsets, truncated := ComputeSubsets(svc, pods)
	trigger, hasTrigger := c.triggers.take(key)
	if err := c.write(ctx, svc, subsets, truncated, trigger, hasTrigger); err != nil {
		if hasTrigger {
			c.triggers.note(key, trigger)
		}
		return err
	}
	return nil
}

func (c *Controller) deleteEndpoints(ctx context.Context, ns, name string) error {
	if _, err := c.eps.Endpoints(ns).Get(name); apierrors.IsNotFound(err) {
		return nil
	}
	err := c.client.CoreV1().Endpoints(ns).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting endpoints %s/%s: %w", ns, name, err)
	}
	return nil
}

// write creates or updates the Endpoints when they differ from what is
// wanted; unchanged Endpoints are not written.
func (c *Controller) write(ctx context.Context, svc *corev1.Service, subsets []corev1.EndpointSubset, truncated bool, trigger time.Time, hasTrigger bool) error {
	cur, err := c.eps.Endpoints(svc.Namespace).Get(svc.Name)
	if err != nil && !apierrors.IsNotFound(err) {
		return err
	}
	exists := err == nil
	want := desiredLabels(svc)
	if exists && apiequality.Semantic.DeepEqual(cur.Subsets, subsets) &&
		apiequality.Semantic.DeepEqual(cur.Labels, want) &&
		(cur.Annotations[OverCapacityAnnotation] != "") == truncated {
		return nil
	}
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace}}
	if exists {
		ep = cur.DeepCopy()
	}
	ep.Labels = want
	ep.Subsets = subsets
	if ep.Annotations == nil {
		ep.Annotations = map[string]string{}
	}
	if hasTrigger {
		ep.Annotations[TriggerTimeAnnotation] = trigger.UTC().Format(time.RFC3339Nano)
	}
	delete(ep.Annotations, OverCapacityAnnotation)
	if truncated {
		ep.Annotations[OverCapacityAnnotation] = "truncated"
	}
	if exists {
		_, err = c.client.CoreV1().Endpoints(svc.Namespace).Update(ctx, ep, metav1.UpdateOptions{})
	} else {
		_, err = c.client.CoreV1().Endpoints(svc.Namespace).Create(ctx, ep, metav1.CreateOptions{})
	}
	if err != nil {
		c.recorder.Eventf(svc, nil, corev1.EventTypeWarning, "FailedToUpdateEndpoint", "UpdateEndpoint",
			"Failed to update endpoint %s/%s: %v", svc.Namespace, svc.Name, err)
		return fmt.Errorf("writing endpoints %s/%s: %w", svc.Namespace, svc.Name, err)
	}
	return nil
}

// desiredLabels are the Service's labels plus the markers Kubernetes adds:
// skip-mirror (the slice controller writes slices itself) and headless.
func desiredLabels(svc *corev1.Service) map[string]string {
	out := maps.Clone(svc.Labels)
	if out == nil {
		out = map[string]string{}
	}
	out[SkipMirrorLabel] = "true"
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		out[HeadlessLabel] = ""
	} else {
		delete(out, HeadlessLabel)
	}
	return out
}
