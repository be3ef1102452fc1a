package batch

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api/podspec"
)

// maxIndexedParallelism caps completions and parallelism of Indexed jobs.
const maxIndexedParallelism = 100000

// validateJobSpec checks a job spec; requireSelector is false for a
// CronJob's job template, whose selector is generated for each job.
func validateJobSpec(s *batchv1.JobSpec, path *field.Path, requireSelector bool) field.ErrorList {
	errs := nonNegative32(s.Parallelism, path.Child("parallelism"))
	errs = append(errs, nonNegative32(s.Completions, path.Child("completions"))...)
	errs = append(errs, nonNegative64(s.ActiveDeadlineSeconds, path.Child("activeDeadlineSeconds"))...)
	errs = append(errs, nonNegative32(s.BackoffLimit, path.Child("backoffLimit"))...)
	errs = append(errs, nonNegative32(s.TTLSecondsAfterFinished, path.Child("ttlSecondsAfterFinished"))...)
	errs = append(errs, validateCompletionMode(s, path)...)
	errs = append(errs, validatePerIndexLimits(s, path)...)
	errs = append(errs, validatePodFailurePolicy(s, path)...)
	errs = append(errs, validatePodReplacementPolicy(s, path)...)
	if s.SuccessPolicy != nil && !isIndexed(s) {
		errs = append(errs, field.Invalid(path.Child("successPolicy"), s.SuccessPolicy, "requires indexed completion mode"))
	}
	if requireSelector {
		errs = append(errs, validateJobSelector(s, path)...)
	}
	return append(errs, validateJobPodTemplate(s, path.Child("template"))...)
}

func isIndexed(s *batchv1.JobSpec) bool {
	return s.CompletionMode != nil && *s.CompletionMode == batchv1.IndexedCompletion
}

func validateCompletionMode(s *batchv1.JobSpec, path *field.Path) field.ErrorList {
	if s.CompletionMode == nil {
		return nil
	}
	switch *s.CompletionMode {
	case batchv1.NonIndexedCompletion:
		return nil
	case batchv1.IndexedCompletion:
	default:
		return field.ErrorList{field.NotSupported(path.Child("completionMode"), *s.CompletionMode,
			[]string{string(batchv1.NonIndexedCompletion), string(batchv1.IndexedCompletion)})}
	}
	var errs field.ErrorList
	if s.Completions == nil {
		errs = append(errs, field.Required(path.Child("completions"), "when completion mode is Indexed"))
	} else if *s.Completions > maxIndexedParallelism && s.BackoffLimitPerIndex == nil {
		errs = append(errs, field.Invalid(path.Child("completions"), *s.Completions,
			fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxIndexedParallelism)))
	}
	if s.Parallelism != nil && *s.Parallelism > maxIndexedParallelism {
		errs = append(errs, field.Invalid(path.Child("parallelism"), *s.Parallelism,
			fmt.Sprintf("must be less than or equal to %d when completion mode is Indexed", maxIndexedParallelism)))
	}
	return errs
}

func validatePerIndexLimits(s *batchv1.JobSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.BackoffLimitPerIndex != nil {
		p := path.Child("backoffLimitPerIndex")
		errs = append(errs, nonNegative32(s.BackoffLimitPerIndex, p)...)
		if !isIndexed(s) {
			errs = append(errs, field.Invalid(p, *s.BackoffLimitPerIndex, "requires indexed completion mode"))
		}
	}
	if s.MaxFailedIndexes != nil {
		p := path.Child("maxFailedIndexes")
		errs = append(errs, nonNegative32(s.MaxFailedIndexes, p)...)
		if s.BackoffLimitPerIndex == nil {
			errs = append(errs, field.Required(path.Child("backoffLimitPerIndex"), "when maxFailedIndexes is specified"))
		}
		if s.Completions != nil && *s.MaxFailedIndexes > *s.Completions {
			errs = append(errs, field.Invalid(p, *s.MaxFailedIndexes, "must be less than or equal to completions"))
		}
	}
	return errs
}

func validatePodFailurePolicy(s *batchv1.JobSpec, path *field.Path) field.ErrorList {
	if s.PodFailurePolicy == nil {
		return nil
	}
	var errs field.ErrorList
	if s.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		errs = append(errs, field.Invalid(path.Child("template", "spec", "restartPolicy"), s.Template.Spec.RestartPolicy,
			`only "Never" is supported when podFailurePolicy is specified`))
	}
	actions := []string{string(batchv1.PodFailurePolicyActionCount), string(batchv1.PodFailurePolicyActionFailIndex),
		string(batchv1.PodFailurePolicyActionFailJob), string(batchv1.PodFailurePolicyActionIgnore)}
	rulesPath := path.Child("podFailurePolicy", "rules")
	for i, r := range s.PodFailurePolicy.Rules {
		p := rulesPath.Index(i)
		switch r.Action {
		case batchv1.PodFailurePolicyActionCount, batchv1.PodFailurePolicyActionFailJob, batchv1.PodFailurePolicyActionIgnore:
		case batchv1.PodFailurePolicyActionFailIndex:
			if s.BackoffLimitPerIndex == nil {
				errs = append(errs, field.Invalid(p.Child("action"), r.Action, "requires the backoffLimitPerIndex to be set"))
			}
		default:
			errs = append(errs, field.NotSupported(p.Child("action"), r.Action, actions))
		}
		if (r.OnExitCodes == nil) == (len(r.OnPodConditions) == 0) {
			errs = append(errs, field.Invalid(p, r, "specifying one of OnExitCodes and OnPodConditions is required"))
		}
	}
	return errs
}

func validatePodReplacementPolicy(s *batchv1.JobSpec, path *field.Path) field.ErrorList {
	if s.PodReplacementPolicy == nil {
		return nil
	}
	p := path.Child("podReplacementPolicy")
	v := *s.PodReplacementPolicy
	if s.PodFailurePolicy != nil && v != batchv1.Failed {
		// A failure policy must see the final state of a pod before it
		// is replaced.
		return field.ErrorList{field.NotSupported(p, v, []string{string(batchv1.Failed)})}
	}
	if v != batchv1.Failed && v != batchv1.TerminatingOrFailed {
		return field.ErrorList{field.NotSupported(p, v, []string{string(batchv1.Failed), string(batchv1.TerminatingOrFailed)})}
	}
	return nil
}

func validateJobSelector(s *batchv1.JobSpec, path *field.Path) field.ErrorList {
	if s.Selector == nil {
		return field.ErrorList{field.Required(path.Child("selector"), "")}
	}
	errs := metav1validation.ValidateLabelSelector(s.Selector, metav1validation.LabelSelectorValidationOptions{}, path.Child("selector"))
	if sel, err := metav1.LabelSelectorAsSelector(s.Selector); err == nil && !sel.Matches(labels.Set(s.Template.Labels)) {
		errs = append(errs, field.Invalid(path.Child("template", "metadata", "labels"), s.Template.Labels,
			"`selector` does not match template `labels`"))
	}
	return errs
}

func validateJobPodTemplate(s *batchv1.JobSpec, path *field.Path) field.ErrorList {
	errs := podspec.ValidatePodTemplateSpec(&s.Template, path)
	rp := s.Template.Spec.RestartPolicy
	if rp != corev1.RestartPolicyOnFailure && rp != corev1.RestartPolicyNever {
		errs = append(errs, field.NotSupported(path.Child("spec", "restartPolicy"), rp,
			[]string{string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever)}))
	}
	return errs
}

// validateJobSpecUpdate refuses changes to what a running job's pods were
// made from. A suspended job that never started may still change where
// its pods will be scheduled (queueing controllers rely on this).
func validateJobSpecUpdate(j, old *batchv1.Job) field.ErrorList {
	path := field.NewPath("spec")
	s, o := &j.Spec, &old.Spec
	errs := immutable(s.Selector, o.Selector, path.Child("selector"))
	errs = append(errs, immutable(s.CompletionMode, o.CompletionMode, path.Child("completionMode"))...)
	errs = append(errs, immutable(s.PodFailurePolicy, o.PodFailurePolicy, path.Child("podFailurePolicy"))...)
	errs = append(errs, immutable(s.BackoffLimitPerIndex, o.BackoffLimitPerIndex, path.Child("backoffLimitPerIndex"))...)
	errs = append(errs, immutable(s.ManagedBy, o.ManagedBy, path.Child("managedBy"))...)
	errs = append(errs, validateCompletionsUpdate(s, o, path)...)
	template := s.Template
	if o.Suspend != nil && *o.Suspend && old.Status.StartTime == nil {
		template = withSchedulingDirectives(s.Template, o.Template)
	}
	return append(errs, immutable(template, o.Template, path.Child("template"))...)
}

// validateCompletionsUpdate: completions may change only for Indexed jobs,
// together with parallelism (elastic indexed jobs).
func validateCompletionsUpdate(s, o *batchv1.JobSpec, path *field.Path) field.ErrorList {
	if apiequality.Semantic.DeepEqual(s.Completions, o.Completions) {
		return nil
	}
	p := path.Child("completions")
	if !isIndexed(s) || s.Completions == nil || o.Completions == nil {
		return immutable(s.Completions, o.Completions, p)
	}
	inTandem := s.Parallelism != nil && *s.Completions == *s.Parallelism &&
		o.Parallelism != nil && *o.Completions == *o.Parallelism
	if !inTandem {
		return field.ErrorList{field.Invalid(p, *s.Completions, "can only be modified in tandem with spec.parallelism")}
	}
	return nil
}

// withSchedulingDirectives returns a copy of t carrying from's scheduling
// parts (labels, annotations, node selector and affinity, tolerations,
// scheduling gates); comparing it with from then ignores exactly those.
func withSchedulingDirectives(t, from corev1.PodTemplateSpec) corev1.PodTemplateSpec {
	t = *t.DeepCopy()
	t.Labels = from.Labels
	t.Annotations = from.Annotations
	t.Spec.NodeSelector = from.Spec.NodeSelector
	t.Spec.Tolerations = from.Spec.Tolerations
	t.Spec.SchedulingGates = from.Spec.SchedulingGates
	var nodeAffinity *corev1.NodeAffinity
	if from.Spec.Affinity != nil {
		nodeAffinity = from.Spec.Affinity.NodeAffinity
	}
	if t.Spec.Affinity == nil {
		t.Spec.Affinity = &corev1.Affinity{}
	}
	t.Spec.Affinity.NodeAffinity = nodeAffinity
	if *t.Spec.Affinity == (corev1.Affinity{}) && from.Spec.Affinity == nil {
		t.Spec.Affinity = nil
	}
	return t
}
