package endpointslice

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	existing, err := c.currentSlices(ctx, key, ns, name)
	if err != nil {
		return err
	}
	svc, err := c.services.Services(ns).Get(name)
	if apierrors.IsNotFound(err) || (err == nil && (svc.Spec.Selector == nil || svc.Spec.Type == corev1.ServiceTypeExternalName)) {
		// Gone or no longer selecting pods: our slices have no source.
		c.takeTrigger(key)
		return c.apply(ctx, key, nil, Plan{Delete: existing})
	}
	if err != nil {
		return err
	}
	pods, err := c.pods.Pods(ns).List(labels.SelectorFromSet(svc.Spec.Selector))
	if err != nil {
		return fmt.Errorf("listing pods of %s: %w", key, err)
	}
	var plan Plan
	byType := map[discoveryv1.AddressType][]*discoveryv1.EndpointSlice{}
	for _, s := range existing {
		byType[s.AddressType] = append(byType[s.AddressType], s)
	}
	for _, at := range addressTypes(svc) {
		groups := Desired(svc, pods, at, c.zoneOf)
		plan.merge(MakePlan(byType[at], groups, at, c.opts.MaxEndpointsPerSlice, func(s *discoveryv1.EndpointSlice) bool {
			return applyMeta(svc, s)
		}))
		delete(byType, at)
	}
	for _, rest := range byType {
		plan.Delete = append(plan.Delete, rest...)
	}
	trigger, hasTrigger := c.takeTrigger(key)
	if hasTrigger {
		stamp := trigger.UTC().Format(time.RFC3339Nano)
		for _, s := range append(plan.Create, plan.Update...) {
			if s.Annotations == nil {
				s.Annotations = map[string]string{}
			}
			s.Annotations[TriggerTimeAnnotation] = stamp
		}
	}
	if err := c.apply(ctx, key, svc, plan); err != nil {
		if hasTrigger {
			c.noteTrigger(key)
		}
		return err
	}
	return nil
}

// currentSlices are the slices this controller manages for the Service.
// Right after our own writes the informer may lag; then the API server is
// asked directly so that no duplicate slice is created.
func (c *Controller) currentSlices(ctx context.Context, key, ns, name string) ([]*discoveryv1.EndpointSlice, error) {
	sel := labels.SelectorFromSet(labels.Set{discoveryv1.LabelServiceName: name, discoveryv1.LabelManagedBy: ManagedBy})
	cached, err := c.slices.EndpointSlices(ns).List(sel)
	if err != nil {
		return nil, err
	}
	if !c.written.stale(key, cached) {
		return cached, nil
	}
	list, err := c.client.DiscoveryV1().EndpointSlices(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, fmt.Errorf("listing slices of %s: %w", key, err)
	}
	out := make([]*discoveryv1.EndpointSlice, len(list.Items))
	for i := range list.Items {
		out[i] = &list.Items[i]
	}
	return out, nil
}

func (c *Controller) zoneOf(node string) string {
	n, err := c.nodes.Get(node)
	if err != nil {
		return ""
	}
	return n.Labels[corev1.LabelTopologyZone]
}

func addressTypes(svc *corev1.Service) []discoveryv1.AddressType {
	var out []discoveryv1.AddressType
	for _, f := range svc.Spec.IPFamilies {
		if f == corev1.IPv6Protocol {
			out = append(out, discoveryv1.AddressTypeIPv6)
		} else {
			out = append(out, discoveryv1.AddressTypeIPv4)
		}
	}
	if len(out) == 0 {
		out = []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4}
	}
	return out
}

// applyMeta sets the labels and owner a managed slice must carry; it
// reports whether anything changed.
func applyMeta(svc *corev1.Service, s *discoveryv1.EndpointSlice) bool {
	want := maps.Clone(svc.Labels)
	if want == nil {
		want = map[string]string{}
	}
	want[discoveryv1.LabelServiceName] = svc.Name
	want[discoveryv1.LabelManagedBy] = ManagedBy
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		want[HeadlessLabel] = ""
	}
	owner := []metav1.OwnerReference{{APIVersion: "v1", Kind: "Service", Name: svc.Name, UID: svc.UID,
		Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}
	changed := !maps.Equal(s.Labels, want) || !apiequality.Semantic.DeepEqual(s.OwnerReferences, owner)
	s.Labels, s.OwnerReferences = want, owner
	s.Namespace = svc.Namespace
	return changed
}

// apply performs the plan; it goes on after a failed write so that one bad
// slice does not block the others, and returns the errors joined.
func (c *Controller) apply(ctx context.Context, key string, svc *corev1.Service, p Plan) error {
	api := func(ns string) interface {
		Create(context.Context, *discoveryv1.EndpointSlice, metav1.CreateOptions) (*discoveryv1.EndpointSlice, error)
		Update(context.Context, *discoveryv1.EndpointSlice, metav1.UpdateOptions) (*discoveryv1.EndpointSlice, error)
		Delete(context.Context, string, metav1.DeleteOptions) error
	} {
		return c.client.DiscoveryV1().EndpointSlices(ns)
	}
	var errs []error
	var created, deleted []string
	for _, s := range p.Create {
		s.GenerateName = svc.Name + "-"
		out, err := api(s.Namespace).Create(ctx, s, metav1.CreateOptions{})
		if err != nil {
			errs = append(errs, fmt.Errorf("creating slice for %s: %w", key, err))
			continue
		}
		created = append(created, out.Name)
	}
	for _, s := range p.Update {
		if _, err := api(s.Namespace).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
			errs = append(errs, fmt.Errorf("updating slice %s: %w", s.Name, err))
		}
	}
	for _, s := range p.Delete {
		err := api(s.Namespace).Delete(ctx, s.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting slice %s: %w", s.Name, err))
			continue
		}
		deleted = append(deleted, s.Name)
	}
	c.written.record(key, created, deleted)
	if len(errs) > 0 && svc != nil {
		c.recorder.Eventf(svc, nil, corev1.EventTypeWarning, "FailedToUpdateEndpointSlices", "UpdateEndpointSlices",
			"Error updating Endpoint Slices for Service %s/%s: %v", svc.Namespace, svc.Name, errors.Join(errs...))
	}
	return errors.Join(errs...)
}

// writeTracker remembers slices we created or deleted until the informer
// shows them, so a sync never works from a cache that misses our writes.
type writeTracker struct {
	mu sync.Mutex
	m  map[string]*pendingWrites
}

type pendingWrites struct {
	created, deleted map[string]bool
	at               time.Time
}

func newWriteTracker() *writeTracker { return &writeTracker{m: map[string]*pendingWrites{}} }

func (w *writeTracker) record(key string, created, deleted []string) {
	if len(created)+len(deleted) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.m[key]
	if !ok {
		p = &pendingWrites{created: map[string]bool{}, deleted: map[string]bool{}}
		w.m[key] = p
	}
	p.at = time.Now()
	for _, n := range created {
		p.created[n] = true
	}
	for _, n := range deleted {
		p.deleted[n] = true
		delete(p.created, n)
	}
}

// stale reports whether cached misses one of our writes; once the cache
// has caught up (or a minute has passed) the record is dropped.
func (w *writeTracker) stale(key string, cached []*discoveryv1.EndpointSlice) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	p, ok := w.m[key]
	if !ok {
		return false
	}
	have := map[string]bool{}
	for _, s := range cached {
		have[s.Name] = true
	}
	for n := range p.created {
		if have[n] {
			delete(p.created, n)
		}
	}
	for n := range p.deleted {
		if !have[n] {
			delete(p.deleted, n)
		}
	}
	if len(p.created)+len(p.deleted) == 0 || time.Since(p.at) > time.Minute {
		delete(w.m, key)
		return false
	}
	return true
}
