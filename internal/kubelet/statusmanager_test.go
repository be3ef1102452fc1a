package kubelet

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestOverwritten(t *testing.T) {
	ready := func(s corev1.ConditionStatus) []corev1.PodCondition {
		return []corev1.PodCondition{{Type: corev1.PodReady, Status: s}}
	}
	pod := func(rv string, s corev1.ConditionStatus) *corev1.Pod {
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{ResourceVersion: rv}, Status: corev1.PodStatus{Conditions: ready(s)}}
	}
	computed := &corev1.PodStatus{Conditions: ready(corev1.ConditionTrue)}
	cases := []struct {
		name      string
		pod       *corev1.Pod
		writtenRV uint64
		want      bool
	}{
		{"API agrees", pod("10", corev1.ConditionTrue), 9, false},
		{"changed by someone after the kubelet's write", pod("12", corev1.ConditionFalse), 11, true},
		{"informer not caught up with the kubelet's write", pod("10", corev1.ConditionFalse), 11, false},
		{"nothing written yet", pod("10", corev1.ConditionFalse), 0, true},
		{"resourceVersion not a number", pod("x", corev1.ConditionFalse), 11, true},
	}
	for _, c := range cases {
		if got := overwritten(c.pod, &statusEntry{status: computed, writtenRV: c.writtenRV}); got != c.want {
			t.Errorf("%s: overwritten = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseRV(t *testing.T) {
	for in, want := range map[string]uint64{"": 0, "17": 17, "abc": 0, "18446744073709551615": 18446744073709551615} {
		if got := parseRV(in); got != want {
			t.Errorf("parseRV(%q) = %d, want %d", in, got, want)
		}
	}
}
