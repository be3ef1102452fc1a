package autoscaling

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

// defaultCPUUtilization is the target of an HPA given no metrics.
const defaultCPUUtilization = 80

func hpaV2Kind() *api.Kind {
	return api.Def[*autoscalingv2.HorizontalPodAutoscaler, *autoscalingv2.HorizontalPodAutoscalerList]{
		Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler",
		Resource: "horizontalpodautoscalers", Singular: "horizontalpodautoscaler", Namespaced: true,
		ShortNames:   []string{"hpa"},
		Categories:   []string{"all"},
		Subresources: []string{"status"},
		New:          func() *autoscalingv2.HorizontalPodAutoscaler { return &autoscalingv2.HorizontalPodAutoscaler{} },
		NewList: func() *autoscalingv2.HorizontalPodAutoscalerList {
			return &autoscalingv2.HorizontalPodAutoscalerList{}
		},
		Default:        defaultHPA,
		Validate:       validateHPA,
		ValidateUpdate: validateHPAUpdate,
		Columns:        hpaColumns,
		Row:            hpaRow,
	}.Build()
}

func defaultHPA(h *autoscalingv2.HorizontalPodAutoscaler) {
	if h.Spec.MinReplicas == nil {
		h.Spec.MinReplicas = ptr(int32(1))
	}
	if len(h.Spec.Metrics) == 0 {
		h.Spec.Metrics = []autoscalingv2.MetricSpec{cpuUtilizationMetric(defaultCPUUtilization)}
	}
	// A behavior given in part is completed; none at all stays nil and the
	// controller applies the same defaults.
	if b := h.Spec.Behavior; b != nil {
		b.ScaleUp = completeRules(b.ScaleUp, defaultScaleUp())
		b.ScaleDown = completeRules(b.ScaleDown, defaultScaleDown())
	}
}

func cpuUtilizationMetric(percent int32) autoscalingv2.MetricSpec {
	return autoscalingv2.MetricSpec{
		Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU,
			Target: autoscalingv2.MetricTarget{
				Type:               autoscalingv2.UtilizationMetricType,
				AverageUtilization: ptr(percent),
			},
		},
	}
}

// defaultScaleUp: no stabilization, at most double or add 4 pods per 15s.
func defaultScaleUp() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptr(int32(0)),
		SelectPolicy:               ptr(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

// defaultScaleDown: a 5 minute stabilization window, then any amount.
func defaultScaleDown() *autoscalingv2.HPAScalingRules {
	return &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptr(int32(300)),
		SelectPolicy:               ptr(autoscalingv2.MaxChangePolicySelect),
		Policies: []autoscalingv2.HPAScalingPolicy{
			{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15},
		},
	}
}

func completeRules(r, def *autoscalingv2.HPAScalingRules) *autoscalingv2.HPAScalingRules {
	if r == nil {
		return def
	}
	if r.StabilizationWindowSeconds == nil {
		r.StabilizationWindowSeconds = def.StabilizationWindowSeconds
	}
	if r.SelectPolicy == nil {
		r.SelectPolicy = def.SelectPolicy
	}
	if len(r.Policies) == 0 {
		r.Policies = def.Policies
	}
	return r
}

func validateHPA(h *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessor(h, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateHPASpec(&h.Spec, field.NewPath("spec"))...)
}

func validateHPAUpdate(h, old *autoscalingv2.HorizontalPodAutoscaler) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessorUpdate(h, old, field.NewPath("metadata"))
	errs = append(errs, validateHPASpec(&h.Spec, field.NewPath("spec"))...)
	return append(errs, validateHPAStatus(&h.Status, field.NewPath("status"))...)
}

func validateHPASpec(s *autoscalingv2.HorizontalPodAutoscalerSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.MinReplicas != nil && *s.MinReplicas < 1 {
		errs = append(errs, field.Invalid(path.Child("minReplicas"), *s.MinReplicas, "must be greater than or equal to 1"))
	}
	if s.MaxReplicas < 1 {
		errs = append(errs, field.Invalid(path.Child("maxReplicas"), s.MaxReplicas, "must be greater than 0"))
	}
	if s.MinReplicas != nil && s.MaxReplicas < *s.MinReplicas {
		errs = append(errs, field.Invalid(path.Child("maxReplicas"), s.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	errs = append(errs, validateObjectRef(s.ScaleTargetRef, path.Child("scaleTargetRef"))...)
	errs = append(errs, validateMetrics(s.Metrics, path.Child("metrics"))...)
	return append(errs, validateBehavior(s.Behavior, path.Child("behavior"))...)
}

func validateHPAStatus(s *autoscalingv2.HorizontalPodAutoscalerStatus, path *field.Path) field.ErrorList {
	errs := apivalidation.ValidateNonnegativeField(int64(s.CurrentReplicas), path.Child("currentReplicas"))
	return append(errs, apivalidation.ValidateNonnegativeField(int64(s.DesiredReplicas), path.Child("desiredReplicas"))...)
}
