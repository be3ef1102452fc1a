package garbagecollector

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
)

// ownerIndex indexes objects by the uids of their owners.
const ownerIndex = "ownerUID"

// monitor watches one resource's metadata.
type monitor struct {
	gvr      schema.GroupVersionResource
	informer cache.SharedIndexInformer
	cancel   context.CancelFunc
}

// refresh asks discovery for the resources served now, starts a monitor
// for each new one and stops those for resources that went away.
func (c *Controller) refresh(ctx context.Context) error {
	lists, err := c.disc.ServerPreferredResources()
	if len(lists) == 0 && err != nil {
		return fmt.Errorf("discovery: %w", err)
	}
	want := map[schema.GroupVersionResource]bool{}
	kinds := map[schema.GroupKind]kindInfo{}
	for _, l := range lists {
		gv, perr := schema.ParseGroupVersion(l.GroupVersion)
		if perr != nil {
			continue
		}
		for _, r := range l.APIResources {
			if !c.watchable(gv, r) {
				continue
			}
			gvr := gv.WithResource(r.Name)
			want[gvr] = true
			kinds[gv.WithKind(r.Kind).GroupKind()] = kindInfo{gvr: gvr, namespaced: r.Namespaced}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.kinds = kinds
	for gvr, m := range c.monitors {
		if !want[gvr] {
			m.cancel()
			delete(c.monitors, gvr)
		}
	}
	for gvr := range want {
		if c.monitors[gvr] == nil {
			c.monitors[gvr] = c.startMonitor(ctx, gvr)
		}
	}
	return err
}

func (c *Controller) watchable(gv schema.GroupVersion, r metav1.APIResource) bool {
	if c.ignored[gv.WithResource(r.Name).GroupResource()] {
		return false
	}
	for _, ch := range r.Name {
		if ch == '/' {
			return false // subresource
		}
	}
	verbs := map[string]bool{}
	for _, v := range r.Verbs {
		verbs[v] = true
	}
	return verbs["list"] && verbs["watch"] && verbs["delete"] && verbs["get"] && verbs["patch"]
}

func (c *Controller) startMonitor(ctx context.Context, gvr schema.GroupVersionResource) *monitor {
	inf := metadatainformer.NewFilteredMetadataInformer(c.meta, gvr, metav1.NamespaceAll, 0,
		cache.Indexers{ownerIndex: byOwner}, nil).Informer()
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { c.added(gvr, obj) },
		UpdateFunc: func(o, n any) { c.updated(gvr, o, n) },
		DeleteFunc: func(obj any) { c.deleted(gvr, obj) },
	})
	mctx, cancel := context.WithCancel(ctx)
	go inf.Run(mctx.Done())
	return &monitor{gvr: gvr, informer: inf, cancel: cancel}
}

func (c *Controller) stopMonitors() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.monitors {
		m.cancel()
	}
}

func (c *Controller) syncedFuncs() []cache.InformerSynced {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []cache.InformerSynced
	for _, m := range c.monitors {
		out = append(out, m.informer.HasSynced)
	}
	return out
}

func byOwner(obj any) ([]string, error) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return nil, nil
	}
	var out []string
	for _, r := range m.OwnerReferences {
		out = append(out, string(r.UID))
	}
	return out, nil
}

// dependent is an object found in a cache, with where it lives.
type dependent struct {
	ref objRef
	obj *metav1.PartialObjectMetadata
}

// dependents lists, from the caches, every object naming uid as owner.
func (c *Controller) dependents(uid string) []dependent {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []dependent
	for gvr, m := range c.monitors {
		objs, _ := m.informer.GetIndexer().ByIndex(ownerIndex, uid)
		for _, o := range objs {
			p := o.(*metav1.PartialObjectMetadata)
			out = append(out, dependent{ref: refOf(gvr, p), obj: p})
		}
	}
	return out
}

func refOf(gvr schema.GroupVersionResource, m *metav1.PartialObjectMetadata) objRef {
	return objRef{gvr: gvr, namespace: m.Namespace, name: m.Name, uid: m.UID}
}

// cached returns an object from its resource's cache, if watched.
func (c *Controller) cached(gvr schema.GroupVersionResource, ns, name string) (*metav1.PartialObjectMetadata, bool) {
	c.mu.RLock()
	m := c.monitors[gvr]
	c.mu.RUnlock()
	if m == nil {
		return nil, false
	}
	key := name
	if ns != "" {
		key = ns + "/" + name
	}
	o, ok, _ := m.informer.GetIndexer().GetByKey(key)
	if !ok {
		return nil, false
	}
	return o.(*metav1.PartialObjectMetadata), true
}

func (c *Controller) kindOf(apiVersion, kind string) (kindInfo, bool) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil {
		return kindInfo{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	k, ok := c.kinds[gv.WithKind(kind).GroupKind()]
	return k, ok
}
