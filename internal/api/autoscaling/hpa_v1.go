package autoscaling

import (
	"fmt"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

// storedHPA is where autoscaling/v1 HPAs live: the v2 resource.
var storedHPA = schema.GroupVersionResource{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"}

func hpaV1Kind() *api.Kind {
	return api.Def[*autoscalingv1.HorizontalPodAutoscaler, *autoscalingv1.HorizontalPodAutoscalerList]{
		Group: "autoscaling", Version: "v1", Kind: "HorizontalPodAutoscaler",
		Resource: "horizontalpodautoscalers", Singular: "horizontalpodautoscaler", Namespaced: true,
		ShortNames:   []string{"hpa"},
		Categories:   []string{"all"},
		Subresources: []string{"status"},
		New:          func() *autoscalingv1.HorizontalPodAutoscaler { return &autoscalingv1.HorizontalPodAutoscaler{} },
		NewList: func() *autoscalingv1.HorizontalPodAutoscalerList {
			return &autoscalingv1.HorizontalPodAutoscalerList{}
		},
		Default: func(h *autoscalingv1.HorizontalPodAutoscaler) {
			if h.Spec.MinReplicas == nil {
				h.Spec.MinReplicas = ptr(int32(1))
			}
		},
		// v1 is validated and printed as the v2 object it is stored as, so
		// errors name v2 paths (spec.metrics[0]...), as in Kubernetes.
		Validate: func(h *autoscalingv1.HorizontalPodAutoscaler) field.ErrorList {
			return validateHPA(v1ToV2(h))
		},
		ValidateUpdate: func(h, old *autoscalingv1.HorizontalPodAutoscaler) field.ErrorList {
			return validateHPAUpdate(v1ToV2(h), v1ToV2(old))
		},
		Columns:  hpaColumns,
		Row:      func(h *autoscalingv1.HorizontalPodAutoscaler) []any { return hpaRow(v1ToV2(h)) },
		StoredAs: &storedHPA,
		ToStored: func(h *autoscalingv1.HorizontalPodAutoscaler) (runtime.Object, error) {
			v2 := v1ToV2(h)
			defaultHPA(v2)
			return v2, nil
		},
		FromStored: func(o runtime.Object) (*autoscalingv1.HorizontalPodAutoscaler, error) {
			v2, ok := o.(*autoscalingv2.HorizontalPodAutoscaler)
			if !ok {
				return nil, fmt.Errorf("convert %T to autoscaling/v1 HorizontalPodAutoscaler: not an autoscaling/v2 one", o)
			}
			return v2ToV1(v2), nil
		},
	}.Build()
}

// v1ToV2 converts a v1 HPA to v2: the CPU target becomes a cpu
// utilization metric. Without one, no metric: v2 defaulting adds 80%.
func v1ToV2(h *autoscalingv1.HorizontalPodAutoscaler) *autoscalingv2.HorizontalPodAutoscaler {
	out := &autoscalingv2.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: *h.ObjectMeta.DeepCopy(),
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference(h.Spec.ScaleTargetRef),
			MinReplicas:    copyInt32(h.Spec.MinReplicas),
			MaxReplicas:    h.Spec.MaxReplicas,
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			ObservedGeneration: copyInt64(h.Status.ObservedGeneration),
			LastScaleTime:      h.Status.LastScaleTime.DeepCopy(),
			CurrentReplicas:    h.Status.CurrentReplicas,
			DesiredReplicas:    h.Status.DesiredReplicas,
		},
	}
	if h.Spec.TargetCPUUtilizationPercentage != nil {
		out.Spec.Metrics = []autoscalingv2.MetricSpec{cpuUtilizationMetric(*h.Spec.TargetCPUUtilizationPercentage)}
	}
	if cur := h.Status.CurrentCPUUtilizationPercentage; cur != nil {
		out.Status.CurrentMetrics = []autoscalingv2.MetricStatus{{
			Type: autoscalingv2.ResourceMetricSourceType,
			Resource: &autoscalingv2.ResourceMetricStatus{
				Name:    corev1.ResourceCPU,
				Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr(*cur)},
			},
		}}
	}
	return out
}

// v2ToV1 converts a stored HPA to v1, which can only say a CPU
// utilization target; other metrics, behavior and conditions are not
// shown in v1.
func v2ToV1(h *autoscalingv2.HorizontalPodAutoscaler) *autoscalingv1.HorizontalPodAutoscaler {
	out := &autoscalingv1.HorizontalPodAutoscaler{
		TypeMeta:   metav1.TypeMeta{APIVersion: "autoscaling/v1", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: *h.ObjectMeta.DeepCopy(),
		Spec: autoscalingv1.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv1.CrossVersionObjectReference(h.Spec.ScaleTargetRef),
			MinReplicas:    copyInt32(h.Spec.MinReplicas),
			MaxReplicas:    h.Spec.MaxReplicas,
		},
		Status: autoscalingv1.HorizontalPodAutoscalerStatus{
			ObservedGeneration: copyInt64(h.Status.ObservedGeneration),
			LastScaleTime:      h.Status.LastScaleTime.DeepCopy(),
			CurrentReplicas:    h.Status.CurrentReplicas,
			DesiredReplicas:    h.Status.DesiredReplicas,
		},
	}
	for _, m := range h.Spec.Metrics {
		if m.Resource != nil && isCPU(m.Type, &m.Resource.Name) && m.Resource.Target.Type == autoscalingv2.UtilizationMetricType &&
			m.Resource.Target.AverageUtilization != nil {
			out.Spec.TargetCPUUtilizationPercentage = ptr(*m.Resource.Target.AverageUtilization)
			break
		}
	}
	for _, m := range h.Status.CurrentMetrics {
		if m.Resource != nil && isCPU(m.Type, &m.Resource.Name) && m.Resource.Current.AverageUtilization != nil {
			out.Status.CurrentCPUUtilizationPercentage = ptr(*m.Resource.Current.AverageUtilization)
			break
		}
	}
	return out
}

// isCPU says whether a metric is the pods' cpu resource.
func isCPU(t autoscalingv2.MetricSourceType, name *corev1.ResourceName) bool {
	return t == autoscalingv2.ResourceMetricSourceType && name != nil && *name == corev1.ResourceCPU
}

func copyInt32(p *int32) *int32 {
	if p == nil {
		return nil
	}
	return ptr(*p)
}

func copyInt64(p *int64) *int64 {
	if p == nil {
		return nil
	}
	return ptr(*p)
}
