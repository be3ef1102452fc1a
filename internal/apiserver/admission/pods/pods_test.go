package pods

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"

	"rudder/internal/api"
	"rudder/internal/apiserver"
)

var podKind = &api.Kind{GVK: schema.GroupVersionKind{Version: "v1", Kind: "Pod"}, Resource: "pods", Namespaced: true}

func attrs(p *corev1.Pod) *apiserver.Attributes {
	return &apiserver.Attributes{Kind: podKind, Operation: apiserver.Create, Object: p}
}

func classes(pcs ...*schedulingv1.PriorityClass) Lister {
	return func(context.Context, schema.GroupVersionResource) ([]runtime.Object, error) {
		out := make([]runtime.Object, len(pcs))
		for i, pc := range pcs {
			out[i] = pc
		}
		return out, nil
	}
}

func TestPriority(t *testing.T) {
	high := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000}
	def := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "def"}, Value: 7, GlobalDefault: true}
	cases := []struct {
		name      string
		classes   []*schedulingv1.PriorityClass
		pod       corev1.PodSpec
		want      int32
		wantClass string
		forbidden bool
	}{
		{name: "no class, no default", want: 0},
		{name: "global default", classes: []*schedulingv1.PriorityClass{high, def}, want: 7, wantClass: "def"},
		{name: "named", classes: []*schedulingv1.PriorityClass{high, def}, pod: corev1.PodSpec{PriorityClassName: "high"}, want: 1000, wantClass: "high"},
		{name: "builtin", pod: corev1.PodSpec{PriorityClassName: "system-node-critical"}, want: 2000001000, wantClass: "system-node-critical"},
		{name: "unknown", pod: corev1.PodSpec{PriorityClassName: "nope"}, forbidden: true},
		{name: "mismatching integer", classes: []*schedulingv1.PriorityClass{high}, pod: corev1.PodSpec{PriorityClassName: "high", Priority: ptr.To[int32](5)}, forbidden: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := &corev1.Pod{Spec: c.pod}
			err := Priority{List: classes(c.classes...)}.Admit(context.Background(), attrs(p))
			if c.forbidden {
				if !apierrors.IsForbidden(err) {
					t.Fatalf("got %v, want Forbidden", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *p.Spec.Priority != c.want || p.Spec.PriorityClassName != c.wantClass {
				t.Fatalf("priority %d class %q, want %d %q", *p.Spec.Priority, p.Spec.PriorityClassName, c.want, c.wantClass)
			}
		})
	}
}

func TestDefaultTolerations(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](5)}}}}
	if err := (DefaultTolerations{}).Admit(context.Background(), attrs(p)); err != nil {
		t.Fatal(err)
	}
	if len(p.Spec.Tolerations) != 2 {
		t.Fatalf("tolerations %+v", p.Spec.Tolerations)
	}
	if *p.Spec.Tolerations[0].TolerationSeconds != 5 || p.Spec.Tolerations[1].Key != corev1.TaintNodeNotReady || *p.Spec.Tolerations[1].TolerationSeconds != 300 {
		t.Fatalf("tolerations %+v", p.Spec.Tolerations)
	}
}

func TestServiceAccountAndOtherKinds(t *testing.T) {
	p := &corev1.Pod{}
	if err := (ServiceAccount{}).Admit(context.Background(), attrs(p)); err != nil || p.Spec.ServiceAccountName != "default" {
		t.Fatalf("got %q %v", p.Spec.ServiceAccountName, err)
	}
	upd := attrs(&corev1.Pod{})
	upd.Operation = apiserver.Update
	if err := (ServiceAccount{}).Admit(context.Background(), upd); err != nil || upd.Object.(*corev1.Pod).Spec.ServiceAccountName != "" {
		t.Fatal("updates must not be changed")
	}
}
