package ctrlutil

import (
	"fmt"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TestLabelMatcherAgreesWithSelector checks every operator against
// labels.Selector.Matches, the definition the matcher must keep.
func TestLabelMatcherAgreesWithSelector(t *testing.T) {
	selectors := map[string]labels.Selector{
		"nothing":    labels.Nothing(),
		"everything": labels.Everything(),
		"from set":   labels.SelectorFromSet(labels.Set{"app": "web", "tier": "front"}),
		"empty set":  labels.SelectorFromSet(nil),
	}
	for _, s := range []string{
		"app=web", "app==web", "app!=web", "app in (web,api)", "app notin (web,api)",
		"app", "!app", "n>3", "n<3", "app=web,tier", "app=web,!tier,n>1", "app=",
	} {
		sel, err := labels.Parse(s)
		if err != nil {
			t.Fatalf("parsing %q: %v", s, err)
		}
		selectors[s] = sel
	}
	sel, err := metav1.LabelSelectorAsSelector(&metav1.LabelSelector{
		MatchLabels:      map[string]string{"app": "web"},
		MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"front", "back"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	selectors["label selector"] = sel
	sets := []map[string]string{
		nil, {}, {"app": "web"}, {"app": "api"}, {"app": ""}, {"tier": "front"},
		{"app": "web", "tier": "front"}, {"app": "web", "tier": "back", "n": "5"},
		{"app": "web", "n": "2"}, {"app": "web", "n": "x"}, {"n": "4"},
	}
	for name, sel := range selectors {
		m := NewLabelMatcher(sel)
		for _, ls := range sets {
			if got, want := m.Matches(ls), sel.Matches(labels.Set(ls)); got != want {
				t.Errorf("%s on %v: matcher says %v, selector %v", name, ls, got, want)
			}
		}
	}
}

func TestSubsetMatcher(t *testing.T) {
	for _, tmpl := range []map[string]string{nil, {"app": "web"}, {"app": "web", "tier": ""}} {
		m, sel := NewSubsetMatcher(tmpl), labels.SelectorFromSet(tmpl)
		for _, ls := range []map[string]string{nil, {"app": "web"}, {"app": "web", "tier": ""}, {"app": "web", "tier": "x"}} {
			if got, want := m.Matches(ls), sel.Matches(labels.Set(ls)); got != want {
				t.Errorf("template %v on %v: %v, want %v", tmpl, ls, got, want)
			}
		}
	}
}

func TestLabelMatcherImplies(t *testing.T) {
	cases := []struct {
		selector string
		set      map[string]string
		want     bool
	}{
		{"app=web,pod-template-hash=abc", map[string]string{"app": "web", "pod-template-hash": "abc"}, true},
		{"app=web,pod-template-hash=abc", map[string]string{"app": "web"}, true},
		{"app=web", map[string]string{"app": "web", "tier": "front"}, false},
		{"app=web", map[string]string{"app": "api"}, false},
		{"app in (web)", map[string]string{"app": "web"}, true},
		{"app in (web,api)", map[string]string{"app": "web"}, false},
		{"app!=web", map[string]string{"app": "web"}, false},
		{"app", map[string]string{"app": "web"}, false},
		{"app=web", nil, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s implies %v", tc.selector, tc.set), func(t *testing.T) {
			sel, err := labels.Parse(tc.selector)
			if err != nil {
				t.Fatal(err)
			}
			m := NewLabelMatcher(sel)
			if got := m.Implies(tc.set); got != tc.want {
				t.Errorf("Implies = %v, want %v", got, tc.want)
			}
		})
	}
}
