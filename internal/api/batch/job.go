package batch

import (
	"math"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

// The labels Kubernetes still puts on job pods besides the
// batch.kubernetes.io/ ones, for tools written before the prefix existed.
const (
	legacyControllerUIDLabel = "controller-uid"
	legacyJobNameLabel       = "job-name"
)

func jobKind() *api.Kind {
	return api.Def[*batchv1.Job, *batchv1.JobList]{
		Group: "batch", Version: "v1", Kind: "Job",
		Resource: "jobs", Singular: "job", Namespaced: true,
		Categories:       []string{"all"},
		Subresources:     []string{"status"},
		New:              func() *batchv1.Job { return &batchv1.Job{} },
		NewList:          func() *batchv1.JobList { return &batchv1.JobList{} },
		Default:          defaultJob,
		PrepareForCreate: prepareJobForCreate,
		Validate:         validateJob,
		ValidateUpdate:   validateJobUpdate,
		Columns:          jobColumns,
		Row:              jobRow,
		Fields: func(j *batchv1.Job) fields.Set {
			return fields.Set{"status.successful": strconv.Itoa(int(j.Status.Succeeded))}
		},
	}.Build()
}

func defaultJob(j *batchv1.Job) {
	s := &j.Spec
	// A job with neither set is a single pod run once.
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions = ptr(int32(1))
	}
	if s.Parallelism == nil {
		s.Parallelism = ptr(int32(1))
	}
	if s.BackoffLimit == nil {
		if s.BackoffLimitPerIndex != nil {
			// Per-index limits replace the global one.
			s.BackoffLimit = ptr(int32(math.MaxInt32))
		} else {
			s.BackoffLimit = ptr(int32(6))
		}
	}
	if len(j.Labels) == 0 && j.Spec.Template.Labels != nil {
		j.Labels = copyLabels(j.Spec.Template.Labels)
	}
	if s.CompletionMode == nil {
		s.CompletionMode = ptr(batchv1.NonIndexedCompletion)
	}
	if s.Suspend == nil {
		s.Suspend = ptr(false)
	}
	if s.ManualSelector == nil {
		s.ManualSelector = ptr(false)
	}
	defaultPodFailurePolicy(s.PodFailurePolicy)
	if s.PodReplacementPolicy == nil {
		if s.PodFailurePolicy != nil {
			s.PodReplacementPolicy = ptr(batchv1.Failed)
		} else {
			s.PodReplacementPolicy = ptr(batchv1.TerminatingOrFailed)
		}
	}
	podspec.DefaultPodTemplateSpec(&s.Template)
}

func defaultPodFailurePolicy(p *batchv1.PodFailurePolicy) {
	if p == nil {
		return
	}
	for i := range p.Rules {
		for j := range p.Rules[i].OnPodConditions {
			if p.Rules[i].OnPodConditions[j].Status == "" {
				p.Rules[i].OnPodConditions[j].Status = corev1.ConditionTrue
			}
		}
	}
}

// prepareJobForCreate generates the selector and pod labels that tie a job
// to its pods by uid (set by the generic code before this runs), unless
// the user asked to manage the selector. The job's own labels then
// default from the template, as Kubernetes shows them when read back.
func prepareJobForCreate(j *batchv1.Job) {
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector {
		return
	}
	t := &j.Spec.Template
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	uid := string(j.UID)
	// Labels the user set are kept: a conflict is refused by validation.
	for key, value := range map[string]string{
		legacyJobNameLabel: j.Name, batchv1.JobNameLabel: j.Name,
		legacyControllerUIDLabel: uid, batchv1.ControllerUidLabel: uid,
	} {
		if _, ok := t.Labels[key]; !ok {
			t.Labels[key] = value
		}
	}
	if j.Spec.Selector == nil {
		j.Spec.Selector = &metav1.LabelSelector{}
	}
	if j.Spec.Selector.MatchLabels == nil {
		j.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel]; !ok {
		j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = uid
	}
	if len(j.Labels) == 0 {
		j.Labels = copyLabels(t.Labels)
	}
}

func copyLabels(in map[string]string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func validateJob(j *batchv1.Job) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessor(j, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	errs = append(errs, validateGeneratedSelector(j)...)
	return append(errs, validateJobSpec(&j.Spec, field.NewPath("spec"), true)...)
}

func validateJobUpdate(j, old *batchv1.Job) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessorUpdate(j, old, field.NewPath("metadata"))
	errs = append(errs, validateJobSpec(&j.Spec, field.NewPath("spec"), true)...)
	errs = append(errs, validateJobSpecUpdate(j, old)...)
	return append(errs, validateJobStatus(&j.Status, field.NewPath("status"))...)
}

// validateGeneratedSelector checks that a generated selector really
// selects this job's pods by its uid and name.
func validateGeneratedSelector(j *batchv1.Job) field.ErrorList {
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector || j.Spec.Selector == nil {
		return nil
	}
	var errs field.ErrorList
	if j.UID == "" {
		errs = append(errs, field.Required(field.NewPath("metadata", "uid"), ""))
	}
	meta := field.NewPath("spec", "template", "metadata")
	errs = append(errs, hasLabel(j.Spec.Template.Labels, meta, batchv1.ControllerUidLabel, string(j.UID))...)
	errs = append(errs, hasLabel(j.Spec.Template.Labels, meta, batchv1.JobNameLabel, j.Name)...)
	if sel, err := metav1.LabelSelectorAsSelector(j.Spec.Selector); err == nil && !sel.Matches(labels.Set{batchv1.ControllerUidLabel: string(j.UID)}) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "selector"), j.Spec.Selector, "`selector` not auto-generated"))
	}
	return errs
}

func hasLabel(lbls map[string]string, meta *field.Path, key, want string) field.ErrorList {
	p := meta.Child("labels").Key(key)
	got, ok := lbls[key]
	if !ok {
		return field.ErrorList{field.Required(p, want)}
	}
	if got != want {
		return field.ErrorList{field.Invalid(p, lbls, "must be '"+want+"'")}
	}
	return nil
}

func validateJobStatus(s *batchv1.JobStatus, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, c := range []struct {
		name  string
		value int32
	}{{"active", s.Active}, {"succeeded", s.Succeeded}, {"failed", s.Failed}} {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(c.value), path.Child(c.name))...)
	}
	errs = append(errs, nonNegative32(s.Ready, path.Child("ready"))...)
	return append(errs, nonNegative32(s.Terminating, path.Child("terminating"))...)
}
