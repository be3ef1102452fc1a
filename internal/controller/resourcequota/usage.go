package resourcequota

import (
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// Inventory is what one namespace holds, as far as quota is concerned.
type Inventory struct {
	Pods       []*corev1.Pod
	Services   []*corev1.Service
	PVCs       []*corev1.PersistentVolumeClaim
	ConfigMaps int
	Secrets    int
	RCs        int
	Quotas     int
	// Count returns the number of objects for a count/<resource>.<group>
	// name outside the kinds above; nil or false means unknown.
	Count func(name corev1.ResourceName) (int64, bool)
}

const storageClassSuffix = ".storageclass.storage.k8s.io/"

// Usage computes status.used for the resources named in quota.Spec.Hard.
// Pods count only while they hold resources: not finished, and not past
// the end of their deletion grace period.
func Usage(quota *corev1.ResourceQuota, inv Inventory, now time.Time) corev1.ResourceList {
	pods := podsInScope(quota, inv.Pods, now)
	used := corev1.ResourceList{}
	for name := range quota.Spec.Hard {
		q, ok := usageOf(name, pods, inv)
		if !ok {
			continue
		}
		used[name] = q
	}
	return used
}

func count(n int) resource.Quantity { return *resource.NewQuantity(int64(n), resource.DecimalSI) }

// aliases maps the object-count names of core kinds to the short names.
var aliases = map[corev1.ResourceName]corev1.ResourceName{
	"count/pods": corev1.ResourcePods, "count/services": corev1.ResourceServices,
	"count/configmaps": corev1.ResourceConfigMaps, "count/secrets": corev1.ResourceSecrets,
	"count/persistentvolumeclaims": corev1.ResourcePersistentVolumeClaims,
	"count/replicationcontrollers": corev1.ResourceReplicationControllers,
	"count/resourcequotas":         corev1.ResourceQuotas,
}

func usageOf(name corev1.ResourceName, pods []*corev1.Pod, inv Inventory) (resource.Quantity, bool) {
	if a, ok := aliases[name]; ok {
		name = a
	}
	switch name {
	case corev1.ResourcePods:
		return count(len(pods)), true
	case corev1.ResourceServices:
		return count(len(inv.Services)), true
	case corev1.ResourceServicesNodePorts:
		return count(nodePorts(inv.Services)), true
	case corev1.ResourceServicesLoadBalancers:
		n := 0
		for _, s := range inv.Services {
			if s.Spec.Type == corev1.ServiceTypeLoadBalancer {
				n++
			}
		}
		return count(n), true
	case corev1.ResourceConfigMaps:
		return count(inv.ConfigMaps), true
	case corev1.ResourceSecrets:
		return count(inv.Secrets), true
	case corev1.ResourceReplicationControllers:
		return count(inv.RCs), true
	case corev1.ResourceQuotas:
		return count(inv.Quotas), true
	case corev1.ResourcePersistentVolumeClaims:
		return count(len(inv.PVCs)), true
	case corev1.ResourceRequestsStorage:
		return pvcStorage(inv.PVCs, ""), true
	}
	s := string(name)
	switch {
	case strings.Contains(s, storageClassSuffix):
		return storageClassUsage(s, inv.PVCs)
	case strings.HasPrefix(s, "count/"):
		if inv.Count == nil {
			return resource.Quantity{}, false
		}
		n, ok := inv.Count(name)
		return *resource.NewQuantity(n, resource.DecimalSI), ok
	case strings.HasPrefix(s, "requests."):
		return sumPods(pods, corev1.ResourceName(strings.TrimPrefix(s, "requests.")), false), true
	case strings.HasPrefix(s, "limits."):
		return sumPods(pods, corev1.ResourceName(strings.TrimPrefix(s, "limits.")), true), true
	case name == corev1.ResourceCPU || name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage ||
		strings.HasPrefix(s, corev1.ResourceHugePagesPrefix):
		return sumPods(pods, name, false), true // bare names mean requests
	}
	return resource.Quantity{}, false
}

// nodePorts counts the node ports Services hold: every port of a NodePort
// Service, and of a LoadBalancer unless node ports are turned off for it.
func nodePorts(svcs []*corev1.Service) int {
	n := 0
	for _, s := range svcs {
		switch s.Spec.Type {
		case corev1.ServiceTypeNodePort:
			n += len(s.Spec.Ports)
		case corev1.ServiceTypeLoadBalancer:
			if s.Spec.AllocateLoadBalancerNodePorts == nil || *s.Spec.AllocateLoadBalancerNodePorts {
				n += len(s.Spec.Ports)
			}
		}
	}
	return n
}

func pvcStorage(pvcs []*corev1.PersistentVolumeClaim, class string) resource.Quantity {
	total := resource.Quantity{Format: resource.BinarySI}
	for _, p := range pvcs {
		if class != "" && storageClassOf(p) != class {
			continue
		}
		if q, ok := p.Spec.Resources.Requests[corev1.ResourceStorage]; ok {
			total.Add(q)
		}
	}
	return total
}

func storageClassOf(p *corev1.PersistentVolumeClaim) string {
	if p.Spec.StorageClassName != nil {
		return *p.Spec.StorageClassName
	}
	return p.Annotations[corev1.BetaStorageClassAnnotation]
}

// storageClassUsage handles <class>.storageclass.storage.k8s.io/requests.storage
// and .../persistentvolumeclaims.
func storageClassUsage(name string, pvcs []*corev1.PersistentVolumeClaim) (resource.Quantity, bool) {
	class, what, _ := strings.Cut(name, storageClassSuffix)
	switch corev1.ResourceName(what) {
	case corev1.ResourceRequestsStorage:
		return pvcStorage(pvcs, class), true
	case corev1.ResourcePersistentVolumeClaims:
		n := 0
		for _, p := range pvcs {
			if storageClassOf(p) == class {
				n++
			}
		}
		return count(n), true
	}
	return resource.Quantity{}, false
}

// sumPods adds up a resource over pods; a pod's value is the larger of
// its containers' sum and its largest init container, plus overhead, as
// the scheduler accounts it.
func sumPods(pods []*corev1.Pod, name corev1.ResourceName, limits bool) resource.Quantity {
	total := resource.Quantity{}
	for _, p := range pods {
		total.Add(podAmount(p, name, limits))
	}
	if name == corev1.ResourceCPU {
		total.Format = resource.DecimalSI
	} else {
		total.Format = resource.BinarySI
	}
	return total
}

func podAmount(p *corev1.Pod, name corev1.ResourceName, limits bool) resource.Quantity {
	pick := func(c *corev1.Container) resource.Quantity {
		l := c.Resources.Requests
		if limits {
			l = c.Resources.Limits
		}
		return l[name]
	}
	sum := resource.Quantity{}
	for i := range p.Spec.Containers {
		sum.Add(pick(&p.Spec.Containers[i]))
	}
	for i := range p.Spec.InitContainers {
		if q := pick(&p.Spec.InitContainers[i]); q.Cmp(sum) > 0 {
			sum = q
		}
	}
	if q, ok := p.Spec.Overhead[name]; ok {
		sum.Add(q)
	}
	return sum
}

// relevantPod: a pod holds quota until it finishes or its deletion grace
// period is over.
func relevantPod(p *corev1.Pod, now time.Time) bool {
	if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return false
	}
	if p.DeletionTimestamp != nil && p.DeletionGracePeriodSeconds != nil {
		end := p.DeletionTimestamp.Add(time.Duration(*p.DeletionGracePeriodSeconds) * time.Second)
		return now.Before(end)
	}
	return true
}

// podsInScope keeps the quota-relevant pods matching every scope of quota.
func podsInScope(quota *corev1.ResourceQuota, pods []*corev1.Pod, now time.Time) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range pods {
		if relevantPod(p, now) && matchesScopes(quota, p) {
			out = append(out, p)
		}
	}
	return out
}

func matchesScopes(quota *corev1.ResourceQuota, p *corev1.Pod) bool {
	for _, s := range quota.Spec.Scopes {
		if !matchesScope(corev1.ScopedResourceSelectorRequirement{ScopeName: s, Operator: corev1.ScopeSelectorOpExists}, p) {
			return false
		}
	}
	if quota.Spec.ScopeSelector != nil {
		for _, req := range quota.Spec.ScopeSelector.MatchExpressions {
			if !matchesScope(req, p) {
				return false
			}
		}
	}
	return true
}

func matchesScope(req corev1.ScopedResourceSelectorRequirement, p *corev1.Pod) bool {
	switch req.ScopeName {
	case corev1.ResourceQuotaScopeTerminating:
		return p.Spec.ActiveDeadlineSeconds != nil && *p.Spec.ActiveDeadlineSeconds >= 0
	case corev1.ResourceQuotaScopeNotTerminating:
		return p.Spec.ActiveDeadlineSeconds == nil || *p.Spec.ActiveDeadlineSeconds < 0
	case corev1.ResourceQuotaScopeBestEffort:
		return bestEffort(p)
	case corev1.ResourceQuotaScopeNotBestEffort:
		return !bestEffort(p)
	case corev1.ResourceQuotaScopePriorityClass:
		return matchPriorityClass(req, p.Spec.PriorityClassName)
	}
	return true
}

func bestEffort(p *corev1.Pod) bool {
	all := append(append([]corev1.Container(nil), p.Spec.InitContainers...), p.Spec.Containers...)
	for _, c := range all {
		for _, n := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := c.Resources.Requests[n]; ok {
				return false
			}
			if _, ok := c.Resources.Limits[n]; ok {
				return false
			}
		}
	}
	return true
}

func matchPriorityClass(req corev1.ScopedResourceSelectorRequirement, class string) bool {
	var op selection.Operator
	switch req.Operator {
	case corev1.ScopeSelectorOpIn:
		op = selection.In
	case corev1.ScopeSelectorOpNotIn:
		op = selection.NotIn
	case corev1.ScopeSelectorOpExists:
		return class != ""
	case corev1.ScopeSelectorOpDoesNotExist:
		return class == ""
	default:
		return false
	}
	r, err := labels.NewRequirement("class", op, req.Values)
	if err != nil {
		return false
	}
	return r.Matches(labels.Set{"class": class})
}
