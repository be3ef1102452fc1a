package ctrlutil

import (
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// LabelMatcher is a label selector prepared for matching the labels of
// many objects in a row (every pod of a workload, once per sync): one map
// lookup per requirement and no conversion per object, where
// labels.Selector.Matches goes through the labels.Labels interface and
// looks every key up twice. It answers exactly as the selector it was
// made from.
type LabelMatcher struct {
	nothing bool
	reqs    []labelRequirement
}

type labelRequirement struct {
	key    string
	op     selection.Operator
	values []string
	// orig answers the operators without a fast path (Gt, Lt).
	orig labels.Requirement
}

// NewLabelMatcher prepares sel. A selector that selects nothing
// (labels.Nothing) matches no labels; an empty one matches all.
func NewLabelMatcher(sel labels.Selector) LabelMatcher {
	reqs, selectable := sel.Requirements()
	if !selectable {
		return LabelMatcher{nothing: true}
	}
	m := LabelMatcher{reqs: make([]labelRequirement, len(reqs))}
	for i, r := range reqs {
		m.reqs[i] = labelRequirement{key: r.Key(), op: r.Operator(), values: r.ValuesUnsorted(), orig: r}
	}
	return m
}

// NewSubsetMatcher matches label sets that contain every pair of set, as
// labels.SelectorFromSet(set) does (an empty set matches all).
func NewSubsetMatcher(set map[string]string) LabelMatcher {
	m := LabelMatcher{reqs: make([]labelRequirement, 0, len(set))}
	for k, v := range set {
		m.reqs = append(m.reqs, labelRequirement{key: k, op: selection.Equals, values: []string{v}})
	}
	return m
}

// Matches reports whether ls satisfies every requirement.
func (m *LabelMatcher) Matches(ls map[string]string) bool {
	if m.nothing {
		return false
	}
	for i := range m.reqs {
		if !m.reqs[i].matches(ls) {
			return false
		}
	}
	return true
}

func (r *labelRequirement) matches(ls map[string]string) bool {
	v, ok := ls[r.key]
	switch r.op {
	case selection.In, selection.Equals, selection.DoubleEquals:
		return ok && r.hasValue(v)
	case selection.NotIn, selection.NotEquals:
		return !ok || !r.hasValue(v)
	case selection.Exists:
		return ok
	case selection.DoesNotExist:
		return !ok
	default:
		return r.orig.Matches(labels.Set(ls))
	}
}

func (r *labelRequirement) hasValue(v string) bool {
	for _, want := range r.values {
		if want == v {
			return true
		}
	}
	return false
}

// Implies reports whether every label set m matches contains all pairs
// of set, so that a caller can skip checking set on objects m matched.
// It looks only for single-value equality requirements on set's keys.
func (m *LabelMatcher) Implies(set map[string]string) bool {
	if m.nothing {
		return true // matches no label set at all
	}
	for k, v := range set {
		if !m.requires(k, v) {
			return false
		}
	}
	return true
}

// requires reports whether m matches only label sets with key=value.
func (m *LabelMatcher) requires(key, value string) bool {
	for i := range m.reqs {
		r := &m.reqs[i]
		switch r.op {
		case selection.In, selection.Equals, selection.DoubleEquals:
			if r.key == key && len(r.values) == 1 && r.values[0] == value {
				return true
			}
		}
	}
	return false
}
