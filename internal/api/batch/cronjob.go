package batch

import (
	"regexp"
	"strings"
	"time"
	// Zone names must resolve on hosts without a zoneinfo database too.
	_ "time/tzdata"

	batchv1 "k8s.io/api/batch/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

// maxCronJobNameLength leaves room for the 11-character suffix of the
// jobs a CronJob creates (whose names end up in pod label values).
const maxCronJobNameLength = 52

func cronJobKind() *api.Kind {
	return api.Def[*batchv1.CronJob, *batchv1.CronJobList]{
		Group: "batch", Version: "v1", Kind: "CronJob",
		Resource: "cronjobs", Singular: "cronjob", Namespaced: true,
		ShortNames:     []string{"cj"},
		Categories:     []string{"all"},
		Subresources:   []string{"status"},
		New:            func() *batchv1.CronJob { return &batchv1.CronJob{} },
		NewList:        func() *batchv1.CronJobList { return &batchv1.CronJobList{} },
		Default:        defaultCronJob,
		Validate:       validateCronJob,
		ValidateUpdate: validateCronJobUpdate,
		Columns:        cronJobColumns,
		Row:            cronJobRow,
	}.Build()
}

// defaultCronJob fills the CronJob's own defaults and the pod template's;
// the job template's job-level fields stay unset, as in Kubernetes: each
// job gets them when it is created.
func defaultCronJob(c *batchv1.CronJob) {
	if c.Spec.ConcurrencyPolicy == "" {
		c.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if c.Spec.Suspend == nil {
		c.Spec.Suspend = ptr(false)
	}
	if c.Spec.SuccessfulJobsHistoryLimit == nil {
		c.Spec.SuccessfulJobsHistoryLimit = ptr(int32(3))
	}
	if c.Spec.FailedJobsHistoryLimit == nil {
		c.Spec.FailedJobsHistoryLimit = ptr(int32(1))
	}
	podspec.DefaultPodTemplateSpec(&c.Spec.JobTemplate.Spec.Template)
}

func validateCronJob(c *batchv1.CronJob) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessor(c, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	if len(c.Name) > maxCronJobNameLength {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), c.Name, "must be no more than 52 characters"))
	}
	return append(errs, validateCronJobSpec(&c.Spec, nil, field.NewPath("spec"))...)
}

// validateCronJobUpdate skips the name length rule so that CronJobs made
// before it existed can still be changed and deleted.
func validateCronJobUpdate(c, old *batchv1.CronJob) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessorUpdate(c, old, field.NewPath("metadata"))
	return append(errs, validateCronJobSpec(&c.Spec, &old.Spec, field.NewPath("spec"))...)
}

// validateCronJobSpec checks spec; old is the spec being updated, or nil.
func validateCronJobSpec(s, old *batchv1.CronJobSpec, path *field.Path) field.ErrorList {
	errs := validateSchedule(s, old, path.Child("schedule"))
	errs = append(errs, validateTimeZone(s.TimeZone, path.Child("timeZone"))...)
	errs = append(errs, nonNegative64(s.StartingDeadlineSeconds, path.Child("startingDeadlineSeconds"))...)
	errs = append(errs, validateConcurrencyPolicy(s.ConcurrencyPolicy, path.Child("concurrencyPolicy"))...)
	errs = append(errs, validateJobTemplate(&s.JobTemplate, path.Child("jobTemplate"))...)
	errs = append(errs, nonNegative32(s.SuccessfulJobsHistoryLimit, path.Child("successfulJobsHistoryLimit"))...)
	return append(errs, nonNegative32(s.FailedJobsHistoryLimit, path.Child("failedJobsHistoryLimit"))...)
}

// validateSchedule: TZ= inside the schedule is refused on create in favour
// of spec.timeZone, but an existing object that has it may be kept.
func validateSchedule(s, old *batchv1.CronJobSpec, path *field.Path) field.ErrorList {
	if s.Schedule == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	var errs field.ErrorList
	if err := checkSchedule(s.Schedule); err != nil {
		errs = append(errs, field.Invalid(path, s.Schedule, err.Error()))
	}
	if strings.Contains(s.Schedule, "TZ") {
		switch {
		case s.TimeZone != nil:
			errs = append(errs, field.Invalid(path, s.Schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
		case old == nil || !strings.Contains(old.Schedule, "TZ"):
			errs = append(errs, field.Invalid(path, s.Schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
		}
	}
	return errs
}

// timeZoneElement is what one path element of an IANA zone name may be.
var timeZoneElement = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

func validateTimeZone(tz *string, path *field.Path) field.ErrorList {
	if tz == nil {
		return nil
	}
	if *tz == "" {
		return field.ErrorList{field.Invalid(path, *tz, "timeZone must be nil or non-empty string")}
	}
	if strings.EqualFold(*tz, "Local") {
		return field.ErrorList{field.Invalid(path, *tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")}
	}
	for _, part := range strings.Split(*tz, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !timeZoneElement.MatchString(part) {
			return field.ErrorList{field.Invalid(path, *tz, "unknown time zone "+*tz)}
		}
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		return field.ErrorList{field.Invalid(path, *tz, err.Error())}
	}
	return nil
}

func validateConcurrencyPolicy(p batchv1.ConcurrencyPolicy, path *field.Path) field.ErrorList {
	switch p {
	case batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent:
		return nil
	case "":
		return field.ErrorList{field.Required(path, "")}
	}
	return field.ErrorList{field.NotSupported(path, p, []string{
		string(batchv1.AllowConcurrent), string(batchv1.ForbidConcurrent), string(batchv1.ReplaceConcurrent)})}
}

// validateJobTemplate checks the job template; its selector is generated
// for each job, so the user may not set one.
func validateJobTemplate(t *batchv1.JobTemplateSpec, path *field.Path) field.ErrorList {
	meta := path.Child("metadata")
	errs := metav1validation.ValidateLabels(t.Labels, meta.Child("labels"))
	errs = append(errs, apivalidation.ValidateAnnotations(t.Annotations, meta.Child("annotations"))...)
	spec := path.Child("spec")
	errs = append(errs, validateJobSpec(&t.Spec, spec, false)...)
	if t.Spec.Selector != nil {
		errs = append(errs, field.Invalid(spec.Child("selector"), t.Spec.Selector, "`selector` will be auto-generated"))
	}
	if t.Spec.ManualSelector != nil && *t.Spec.ManualSelector {
		errs = append(errs, field.NotSupported(spec.Child("manualSelector"), t.Spec.ManualSelector, []string{"nil", "false"}))
	}
	return errs
}

var cronJobColumns = append([]metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Schedule", Type: "string", Description: "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."},
	{Name: "Timezone", Type: "string", Description: "The time zone name for the given schedule."},
	{Name: "Suspend", Type: "boolean", Description: "This flag tells the controller to suspend subsequent executions."},
	{Name: "Active", Type: "integer", Description: "A list of pointers to currently running jobs."},
	{Name: "Last Schedule", Type: "string", Description: "Information when was the last time the job was successfully scheduled."},
	ageColumn,
}, wideColumns...)

func cronJobRow(c *batchv1.CronJob) []any {
	tz := "<none>"
	if c.Spec.TimeZone != nil {
		tz = *c.Spec.TimeZone
	}
	last := "<none>"
	if c.Status.LastScheduleTime != nil {
		last = since(*c.Status.LastScheduleTime)
	}
	names, images := containerCells(c.Spec.JobTemplate.Spec.Template.Spec.Containers)
	return []any{
		c.Name, c.Spec.Schedule, tz, boolCell(c.Spec.Suspend), int64(len(c.Status.Active)), last,
		since(c.CreationTimestamp),
		names, images, metav1.FormatLabelSelector(c.Spec.JobTemplate.Spec.Selector),
	}
}

// boolCell prints an optional boolean as kubectl does.
func boolCell(b *bool) string {
	switch {
	case b == nil:
		return "<unset>"
	case *b:
		return "True"
	}
	return "False"
}
