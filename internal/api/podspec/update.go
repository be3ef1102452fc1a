package podspec

import (
	"fmt"
	"strings"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// updatablePodSpecFields is what Kubernetes lists when it refuses a pod
// update, in its order and wording.
var updatablePodSpecFields = []string{
	"`spec.containers[*].image`",
	"`spec.initContainers[*].image`",
	"`spec.activeDeadlineSeconds`",
	"`spec.tolerations` (only additions to existing tolerations)",
	"`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
}

// ValidatePodSpecUpdate checks that an update of a pod changes only the
// mutable parts of its spec: container images, activeDeadlineSeconds
// (set or lowered), added tolerations and removed scheduling gates. The new
// spec itself is checked by ValidatePodSpec.
func ValidatePodSpecUpdate(spec, old *corev1.PodSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, validateDeadlineUpdate(spec.ActiveDeadlineSeconds, old.ActiveDeadlineSeconds, path.Child("activeDeadlineSeconds"))...)
	errs = append(errs, validateTolerationsUpdate(spec.Tolerations, old.Tolerations, path.Child("tolerations"))...)
	errs = append(errs, validateGatesUpdate(spec.SchedulingGates, old.SchedulingGates, path.Child("schedulingGates"))...)

	// Take the allowed changes into a copy of the old spec: whatever still
	// differs was changed where no change is allowed.
	merged := old.DeepCopy()
	copyImages(merged.Containers, spec.Containers)
	copyImages(merged.InitContainers, spec.InitContainers)
	merged.ActiveDeadlineSeconds = spec.ActiveDeadlineSeconds
	merged.Tolerations = spec.Tolerations
	merged.SchedulingGates = spec.SchedulingGates
	if old.TerminationGracePeriodSeconds != nil && *old.TerminationGracePeriodSeconds < 0 &&
		spec.TerminationGracePeriodSeconds != nil && *spec.TerminationGracePeriodSeconds == 1 {
		merged.TerminationGracePeriodSeconds = spec.TerminationGracePeriodSeconds
	}
	if !equality.Semantic.DeepEqual(merged, spec) {
		diff := cmp.Diff(merged, spec)
		errs = append(errs, field.Forbidden(path, fmt.Sprintf("pod updates may not change fields other than %s\n%v",
			strings.Join(updatablePodSpecFields, ","), diff)))
	}
	return errs
}

func copyImages(dst, src []corev1.Container) {
	if len(dst) != len(src) {
		return
	}
	for i := range dst {
		dst[i].Image = src[i].Image
	}
}

func validateDeadlineUpdate(n, o *int64, p *field.Path) field.ErrorList {
	switch {
	case o == nil:
		return nil
	case n == nil:
		return field.ErrorList{field.Invalid(p, n, "must not update from a positive integer to nil value")}
	case *n > *o:
		return field.ErrorList{field.Invalid(p, *n, "must be less than or equal to previous value")}
	}
	return nil
}

// validateTolerationsUpdate allows new tolerations and a shorter
// tolerationSeconds on NoExecute ones, nothing else.
func validateTolerationsUpdate(n, o []corev1.Toleration, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, ot := range o {
		if !hasCompatibleToleration(n, ot) {
			errs = append(errs, field.Forbidden(p.Index(i), "existing toleration can not be modified except its tolerationSeconds"))
		}
	}
	return errs
}

func hasCompatibleToleration(list []corev1.Toleration, old corev1.Toleration) bool {
	for _, t := range list {
		if t.Key != old.Key || t.Operator != old.Operator || t.Value != old.Value || t.Effect != old.Effect {
			continue
		}
		switch {
		case old.TolerationSeconds == nil && t.TolerationSeconds == nil:
			return true
		case old.TolerationSeconds != nil && t.TolerationSeconds != nil && *t.TolerationSeconds <= *old.TolerationSeconds:
			return true
		case old.TolerationSeconds == nil && t.TolerationSeconds != nil && t.Effect == corev1.TaintEffectNoExecute:
			return true
		}
	}
	return false
}

func validateGatesUpdate(n, o []corev1.PodSchedulingGate, p *field.Path) field.ErrorList {
	old := map[string]bool{}
	for _, g := range o {
		old[g.Name] = true
	}
	for i, g := range n {
		if !old[g.Name] {
			return field.ErrorList{field.Forbidden(p.Index(i), "only deletion is allowed, but found new scheduling gate '"+g.Name+"'")}
		}
	}
	return nil
}
