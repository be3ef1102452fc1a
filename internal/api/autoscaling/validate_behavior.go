package autoscaling

import (
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	maxStabilizationWindowSeconds = 3600
	maxPolicyPeriodSeconds        = 1800
)

func validateBehavior(b *autoscalingv2.HorizontalPodAutoscalerBehavior, p *field.Path) field.ErrorList {
	if b == nil {
		return nil
	}
	errs := validateScalingRules(b.ScaleUp, p.Child("scaleUp"))
	return append(errs, validateScalingRules(b.ScaleDown, p.Child("scaleDown"))...)
}

func validateScalingRules(r *autoscalingv2.HPAScalingRules, p *field.Path) field.ErrorList {
	if r == nil {
		return nil
	}
	var errs field.ErrorList
	if w := r.StabilizationWindowSeconds; w != nil {
		wp := p.Child("stabilizationWindowSeconds")
		if *w < 0 {
			errs = append(errs, field.Invalid(wp, *w, "must be greater than or equal to zero"))
		}
		if *w > maxStabilizationWindowSeconds {
			errs = append(errs, field.Invalid(wp, *w, "must be less than or equal to 3600"))
		}
	}
	if sp := r.SelectPolicy; sp != nil {
		switch *sp {
		case autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect, autoscalingv2.DisabledPolicySelect:
		default:
			errs = append(errs, field.NotSupported(p.Child("selectPolicy"), *sp, []string{
				string(autoscalingv2.DisabledPolicySelect), string(autoscalingv2.MaxChangePolicySelect),
				string(autoscalingv2.MinChangePolicySelect)}))
		}
	}
	if len(r.Policies) == 0 {
		errs = append(errs, field.Required(p.Child("policies"), "must specify at least one Policy"))
	}
	for i, policy := range r.Policies {
		errs = append(errs, validateScalingPolicy(policy, p.Child("policies").Index(i))...)
	}
	return errs
}

func validateScalingPolicy(policy autoscalingv2.HPAScalingPolicy, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if policy.Type != autoscalingv2.PodsScalingPolicy && policy.Type != autoscalingv2.PercentScalingPolicy {
		errs = append(errs, field.NotSupported(p.Child("type"), policy.Type, []string{
			string(autoscalingv2.PercentScalingPolicy), string(autoscalingv2.PodsScalingPolicy)}))
	}
	if policy.Value <= 0 {
		errs = append(errs, field.Invalid(p.Child("value"), policy.Value, "must be greater than zero"))
	}
	if policy.PeriodSeconds <= 0 {
		errs = append(errs, field.Invalid(p.Child("periodSeconds"), policy.PeriodSeconds, "must be greater than zero"))
	}
	if policy.PeriodSeconds > maxPolicyPeriodSeconds {
		errs = append(errs, field.Invalid(p.Child("periodSeconds"), policy.PeriodSeconds, "must be less than or equal to 1800"))
	}
	return errs
}
