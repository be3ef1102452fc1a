package framework

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
)

// AffinityTerm is a pod (anti-)affinity term with its selectors compiled
// once, because the scheduler evaluates them against every pod of every
// node.
type AffinityTerm struct {
	Namespaces        sets.Set[string]
	NamespaceSelector labels.Selector // nil: only Namespaces
	Selector          labels.Selector
	TopologyKey       string
}

// WeightedAffinityTerm is a preferred term.
type WeightedAffinityTerm struct {
	AffinityTerm
	Weight int32
}

// NamespaceLabeler returns the labels of a namespace (for namespaceSelector).
type NamespaceLabeler func(namespace string) labels.Set

// Matches reports whether pod is selected by the term.
func (t *AffinityTerm) Matches(pod *v1.Pod, nsLabels NamespaceLabeler) bool {
	if !t.Namespaces.Has(pod.Namespace) {
		if t.NamespaceSelector == nil {
			return false
		}
		var l labels.Set
		if nsLabels != nil {
			l = nsLabels(pod.Namespace)
		}
		if !t.NamespaceSelector.Matches(l) {
			return false
		}
	}
	return t.Selector.Matches(labels.Set(pod.Labels))
}

// PodInfo is a pod with what the scheduler derives from it precomputed.
type PodInfo struct {
	Pod                        *v1.Pod
	Requests                   *Resource
	NonZeroCPU, NonZeroMemory  int64
	RequiredAffinityTerms      []AffinityTerm
	RequiredAntiAffinityTerms  []AffinityTerm
	PreferredAffinityTerms     []WeightedAffinityTerm
	PreferredAntiAffinityTerms []WeightedAffinityTerm
	// ParseErr is set when a selector in the pod's affinity cannot be
	// compiled; such a pod is treated as matching nothing.
	ParseErr error
}

// NewPodInfo precomputes a pod's requests and affinity terms.
func NewPodInfo(pod *v1.Pod) *PodInfo {
	pi := &PodInfo{Pod: pod, Requests: PodRequests(pod)}
	pi.NonZeroCPU, pi.NonZeroMemory = NonZeroRequests(pod)
	aff := pod.Spec.Affinity
	if aff == nil {
		return pi
	}
	if a := aff.PodAffinity; a != nil {
		pi.RequiredAffinityTerms = pi.terms(a.RequiredDuringSchedulingIgnoredDuringExecution)
		pi.PreferredAffinityTerms = pi.weighted(a.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	if a := aff.PodAntiAffinity; a != nil {
		pi.RequiredAntiAffinityTerms = pi.terms(a.RequiredDuringSchedulingIgnoredDuringExecution)
		pi.PreferredAntiAffinityTerms = pi.weighted(a.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	return pi
}

// HasAffinity reports whether the pod has any inter-pod (anti-)affinity.
func (pi *PodInfo) HasAffinity() bool {
	return len(pi.RequiredAffinityTerms)+len(pi.RequiredAntiAffinityTerms)+
		len(pi.PreferredAffinityTerms)+len(pi.PreferredAntiAffinityTerms) > 0
}

func (pi *PodInfo) terms(in []v1.PodAffinityTerm) []AffinityTerm {
	out := make([]AffinityTerm, 0, len(in))
	for i := range in {
		t, err := compileTerm(pi.Pod, &in[i])
		if err != nil {
			pi.ParseErr = err
			continue
		}
		out = append(out, t)
	}
	return out
}

func (pi *PodInfo) weighted(in []v1.WeightedPodAffinityTerm) []WeightedAffinityTerm {
	out := make([]WeightedAffinityTerm, 0, len(in))
	for i := range in {
		t, err := compileTerm(pi.Pod, &in[i].PodAffinityTerm)
		if err != nil {
			pi.ParseErr = err
			continue
		}
		out = append(out, WeightedAffinityTerm{AffinityTerm: t, Weight: in[i].Weight})
	}
	return out
}

// compileTerm applies the documented namespace rule: no namespaces and no
// namespaceSelector means "the pod's own namespace"; an empty selector {}
// means all namespaces.
func compileTerm(pod *v1.Pod, t *v1.PodAffinityTerm) (AffinityTerm, error) {
	sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
	if err != nil {
		return AffinityTerm{}, fmt.Errorf("pod %s/%s affinity labelSelector: %w", pod.Namespace, pod.Name, err)
	}
	if t.LabelSelector == nil {
		sel = labels.Nothing()
	}
	out := AffinityTerm{Namespaces: sets.New(t.Namespaces...), Selector: sel, TopologyKey: t.TopologyKey}
	if t.NamespaceSelector != nil {
		ns, err := metav1.LabelSelectorAsSelector(t.NamespaceSelector)
		if err != nil {
			return AffinityTerm{}, fmt.Errorf("pod %s/%s affinity namespaceSelector: %w", pod.Namespace, pod.Name, err)
		}
		out.NamespaceSelector = ns
	}
	if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
		out.Namespaces.Insert(pod.Namespace)
	}
	return out, nil
}
