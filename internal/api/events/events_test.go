package events

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

type wantErr struct {
	Type  field.ErrorType
	Field string
}

func checkErrs(t *testing.T, errs field.ErrorList, want wantErr) {
	t.Helper()
	if want.Field == "" {
		if len(errs) != 0 {
			t.Fatalf("want no errors, got %v", errs)
		}
		return
	}
	for _, e := range errs {
		if e.Type == want.Type && e.Field == want.Field {
			return
		}
	}
	t.Fatalf("want %s on %s, got %v", want.Type, want.Field, errs)
}

// validEvent is what a new-style recorder writes: no deprecated fields.
func validEvent() *eventsv1.Event {
	e := fullEvent()
	e.DeprecatedSource = corev1.EventSource{}
	e.DeprecatedFirstTimestamp = metav1.Time{}
	e.DeprecatedLastTimestamp = metav1.Time{}
	e.DeprecatedCount = 0
	return e
}

func TestRegister(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	k, ok := r.Lookup(eventsv1.SchemeGroupVersion.WithResource("events"))
	if !ok || !k.Namespaced || !k.KeepStatusOnCreate {
		t.Fatalf("events: registered=%v, must be namespaced and keep status on create", ok)
	}
	if got := fmt.Sprintf("%T/%T", k.New(), k.NewList()); got != "*v1.Event/*v1.EventList" {
		t.Errorf("New/NewList give %s", got)
	}
	if _, isEvents := k.New().(*eventsv1.Event); !isEvents {
		t.Errorf("New() is not an events.k8s.io Event")
	}
	if *k.StoredAs != (schema.GroupVersionResource{Version: "v1", Resource: "events"}) {
		t.Errorf("StoredAs = %v", *k.StoredAs)
	}
	stored, err := k.ToStored(validEvent())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := stored.(*corev1.Event); !ok {
		t.Fatalf("ToStored gave %T", stored)
	}
	back, err := k.FromStored(stored)
	if err != nil {
		t.Fatal(err)
	}
	if back.(*eventsv1.Event).Note != validEvent().Note {
		t.Error("FromStored lost the note")
	}
	for _, obj := range []*eventsv1.Event{{}, fullEvent()} {
		if cells := k.Row(obj); len(cells) != len(k.Columns) {
			t.Errorf("%d cells for %d columns", len(cells), len(k.Columns))
		}
	}
	if f := k.Fields(fullEvent()); f["regarding.name"] != "web-0" || f["reportingController"] != "rudder.io/scheduler" || f["type"] != "Normal" {
		t.Errorf("fields = %v", f)
	}
}

func TestValidateEvent(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*eventsv1.Event)
		want   wantErr
	}{
		{"valid", func(*eventsv1.Event) {}, wantErr{}},
		{"no series", func(e *eventsv1.Event) { e.Series = nil }, wantErr{}},
		{"node event in default", func(e *eventsv1.Event) { e.Regarding = corev1.ObjectReference{Kind: "Node", Name: "n1"} }, wantErr{}},
		{"cluster object event elsewhere", func(e *eventsv1.Event) {
			e.Regarding = corev1.ObjectReference{Kind: "Node", Name: "n1"}
			e.Namespace = "team"
		}, wantErr{field.ErrorTypeInvalid, "involvedObject.namespace"}},
		{"eventTime missing", func(e *eventsv1.Event) { e.EventTime = metav1.MicroTime{} }, wantErr{field.ErrorTypeRequired, "eventTime"}},
		{"reportingController missing", func(e *eventsv1.Event) { e.ReportingController = "" }, wantErr{field.ErrorTypeRequired, "reportingController"}},
		{"reportingController not qualified", func(e *eventsv1.Event) { e.ReportingController = "my scheduler" }, wantErr{field.ErrorTypeInvalid, "reportingController"}},
		{"reportingInstance missing", func(e *eventsv1.Event) { e.ReportingInstance = "" }, wantErr{field.ErrorTypeRequired, "reportingInstance"}},
		{"reportingInstance too long", func(e *eventsv1.Event) { e.ReportingInstance = strings.Repeat("x", 129) }, wantErr{field.ErrorTypeInvalid, "reportingInstance"}},
		{"action missing", func(e *eventsv1.Event) { e.Action = "" }, wantErr{field.ErrorTypeRequired, "action"}},
		{"action too long", func(e *eventsv1.Event) { e.Action = strings.Repeat("x", 129) }, wantErr{field.ErrorTypeInvalid, "action"}},
		{"reason missing", func(e *eventsv1.Event) { e.Reason = "" }, wantErr{field.ErrorTypeRequired, "reason"}},
		{"note too long", func(e *eventsv1.Event) { e.Note = strings.Repeat("x", 1025) }, wantErr{field.ErrorTypeInvalid, "note"}},
		{"bad type", func(e *eventsv1.Event) { e.Type = "Info" }, wantErr{field.ErrorTypeInvalid, "type"}},
		{"series count 1", func(e *eventsv1.Event) { e.Series.Count = 1 }, wantErr{field.ErrorTypeInvalid, "series.count"}},
		{"series without time", func(e *eventsv1.Event) { e.Series.LastObservedTime = metav1.MicroTime{} }, wantErr{field.ErrorTypeRequired, "series.lastObservedTime"}},
		{"deprecatedCount set", func(e *eventsv1.Event) { e.DeprecatedCount = 2 }, wantErr{field.ErrorTypeInvalid, "deprecatedCount"}},
		{"deprecatedSource set", func(e *eventsv1.Event) { e.DeprecatedSource.Component = "kubelet" }, wantErr{field.ErrorTypeInvalid, "deprecatedSource"}},
		{"deprecatedFirstTimestamp set", func(e *eventsv1.Event) { e.DeprecatedFirstTimestamp = metav1.Now() }, wantErr{field.ErrorTypeInvalid, "deprecatedFirstTimestamp"}},
		{"deprecatedLastTimestamp set", func(e *eventsv1.Event) { e.DeprecatedLastTimestamp = metav1.Now() }, wantErr{field.ErrorTypeInvalid, "deprecatedLastTimestamp"}},
		{"bad name", func(e *eventsv1.Event) { e.Name = "Web_0" }, wantErr{field.ErrorTypeInvalid, "metadata.name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := validEvent()
			c.mutate(e)
			checkErrs(t, validateEvent(e), c.want)
		})
	}
}

func TestValidateEventUpdate(t *testing.T) {
	old := validEvent()
	cases := []struct {
		name   string
		mutate func(*eventsv1.Event)
		want   wantErr
	}{
		{"series bump", func(e *eventsv1.Event) { e.Series.Count = 4 }, wantErr{}},
		{"label change", func(e *eventsv1.Event) { e.Labels = map[string]string{"x": "y"} }, wantErr{}},
		{"sub-microsecond eventTime", func(e *eventsv1.Event) { e.EventTime = metav1.NewMicroTime(e.EventTime.Add(300)) }, wantErr{}},
		{"bad series", func(e *eventsv1.Event) { e.Series.Count = 1 }, wantErr{field.ErrorTypeInvalid, "series.count"}},
		{"regarding", func(e *eventsv1.Event) { e.Regarding.Name = "web-1" }, wantErr{field.ErrorTypeInvalid, "involvedObject"}},
		{"note", func(e *eventsv1.Event) { e.Note = "other" }, wantErr{field.ErrorTypeInvalid, "message"}},
		{"reason", func(e *eventsv1.Event) { e.Reason = "Other" }, wantErr{field.ErrorTypeInvalid, "reason"}},
		{"type", func(e *eventsv1.Event) { e.Type = corev1.EventTypeWarning }, wantErr{field.ErrorTypeInvalid, "type"}},
		{"action", func(e *eventsv1.Event) { e.Action = "Other" }, wantErr{field.ErrorTypeInvalid, "action"}},
		{"related", func(e *eventsv1.Event) { e.Related = nil }, wantErr{field.ErrorTypeInvalid, "related"}},
		{"reportingController", func(e *eventsv1.Event) { e.ReportingController = "other.io/x" }, wantErr{field.ErrorTypeInvalid, "reportingController"}},
		{"reportingInstance", func(e *eventsv1.Event) { e.ReportingInstance = "other" }, wantErr{field.ErrorTypeInvalid, "reportingInstance"}},
		{"eventTime", func(e *eventsv1.Event) { e.EventTime = metav1.NewMicroTime(e.EventTime.Add(time.Second)) }, wantErr{field.ErrorTypeInvalid, "eventTime"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := old.DeepCopy()
			c.mutate(e)
			checkErrs(t, validateEventUpdate(e, old), c.want)
		})
	}
}

func TestRow(t *testing.T) {
	now := time.Now()
	e := validEvent()
	e.EventTime = metav1.NewMicroTime(now.Add(-10 * time.Minute))
	e.Series = &eventsv1.EventSeries{Count: 5, LastObservedTime: metav1.NewMicroTime(now.Add(-2 * time.Minute))}
	want := []any{"2m", "Normal", "Scheduled", "pod/web-0", "spec.containers{web}",
		"rudder.io/scheduler, scheduler-node-1", "Successfully assigned default/web-0 to node-1", "10m", int64(5), "web-0.17c"}
	got := row(e)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d (%s) = %v, want %v", i, columns[i].Name, got[i], want[i])
		}
	}

	legacy := &eventsv1.Event{
		Regarding:                corev1.ObjectReference{Kind: "Node"},
		DeprecatedSource:         corev1.EventSource{Component: "kubelet"},
		DeprecatedFirstTimestamp: metav1.NewTime(now.Add(-time.Hour)),
		DeprecatedLastTimestamp:  metav1.NewTime(now.Add(-30 * time.Second)),
		DeprecatedCount:          7,
	}
	got = row(legacy)
	if got[0] != "30s" || got[3] != "node" || got[5] != "kubelet" || got[7] != "60m" || got[8] != int64(7) {
		t.Errorf("legacy row = %v", got)
	}

	single := validEvent()
	single.Series = nil
	single.EventTime = metav1.NewMicroTime(now.Add(-3 * time.Second))
	if got := row(single); got[0] != "3s" || got[7] != "3s" || got[8] != int64(1) {
		t.Errorf("singleton row = %v", got)
	}
	if got := row(&eventsv1.Event{}); got[0] != "<unknown>" || got[8] != int64(1) {
		t.Errorf("empty row = %v", got)
	}
}
