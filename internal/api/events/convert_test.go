package events

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fullEvent sets every field, so that a field the conversion forgets
// makes the round trip fail.
func fullEvent() *eventsv1.Event {
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	return &eventsv1.Event{
		TypeMeta: metav1.TypeMeta{APIVersion: "events.k8s.io/v1", Kind: "Event"},
		ObjectMeta: metav1.ObjectMeta{
			Name: "web-0.17c", Namespace: "default", UID: "u1", ResourceVersion: "7",
			Labels: map[string]string{"a": "b"}, CreationTimestamp: metav1.NewTime(t0),
		},
		EventTime:           metav1.NewMicroTime(t0.Add(time.Microsecond)),
		Series:              &eventsv1.EventSeries{Count: 3, LastObservedTime: metav1.NewMicroTime(t0.Add(time.Minute))},
		ReportingController: "rudder.io/scheduler",
		ReportingInstance:   "scheduler-node-1",
		Action:              "Binding",
		Reason:              "Scheduled",
		Regarding: corev1.ObjectReference{
			Kind: "Pod", Namespace: "default", Name: "web-0", UID: "p1",
			APIVersion: "v1", ResourceVersion: "5", FieldPath: "spec.containers{web}",
		},
		Related:                  &corev1.ObjectReference{Kind: "Node", Name: "node-1", APIVersion: "v1"},
		Note:                     "Successfully assigned default/web-0 to node-1",
		Type:                     corev1.EventTypeNormal,
		DeprecatedSource:         corev1.EventSource{Component: "scheduler", Host: "node-1"},
		DeprecatedFirstTimestamp: metav1.NewTime(t0),
		DeprecatedLastTimestamp:  metav1.NewTime(t0.Add(time.Second)),
		DeprecatedCount:          4,
	}
}

func TestFullEventSetsEveryField(t *testing.T) {
	v := reflect.ValueOf(fullEvent()).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Errorf("fullEvent leaves %s unset: the round trip would not check it", v.Type().Field(i).Name)
		}
	}
}

func TestToCoreMapsFields(t *testing.T) {
	e := fullEvent()
	c := ToCore(e)
	checks := []struct {
		name      string
		got, want any
	}{
		{"typeMeta", c.TypeMeta, metav1.TypeMeta{APIVersion: "v1", Kind: "Event"}},
		{"metadata", c.ObjectMeta, e.ObjectMeta},
		{"involvedObject", c.InvolvedObject, e.Regarding},
		{"message", c.Message, e.Note},
		{"count", c.Count, e.DeprecatedCount},
		{"firstTimestamp", c.FirstTimestamp, e.DeprecatedFirstTimestamp},
		{"lastTimestamp", c.LastTimestamp, e.DeprecatedLastTimestamp},
		{"reportingComponent", c.ReportingController, e.ReportingController},
		{"reportingInstance", c.ReportingInstance, e.ReportingInstance},
		{"eventTime", c.EventTime, e.EventTime},
		{"series", *c.Series, corev1.EventSeries{Count: 3, LastObservedTime: e.Series.LastObservedTime}},
		{"action", c.Action, e.Action},
		{"reason", c.Reason, e.Reason},
		{"related", *c.Related, *e.Related},
		{"source", c.Source, e.DeprecatedSource},
		{"type", c.Type, e.Type},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %+v, want %+v", ch.name, ch.got, ch.want)
		}
	}
	c.Labels["a"] = "changed"
	c.Related.Name = "changed"
	if e.Labels["a"] != "b" || e.Related.Name != "node-1" {
		t.Error("ToCore result shares memory with its input")
	}
}

func TestRoundTrip(t *testing.T) {
	e := fullEvent()
	if back := FromCore(ToCore(e)); !reflect.DeepEqual(back, e) {
		t.Errorf("events -> core -> events changed the event:\n got %+v\nwant %+v", back, e)
	}
	c := ToCore(fullEvent())
	back, err := fromStored(c)
	if err != nil {
		t.Fatal(err)
	}
	if again := ToCore(back); !reflect.DeepEqual(again, c) {
		t.Errorf("core -> events -> core changed the event:\n got %+v\nwant %+v", again, c)
	}
	empty := &eventsv1.Event{TypeMeta: metav1.TypeMeta{APIVersion: "events.k8s.io/v1", Kind: "Event"}}
	if back := FromCore(ToCore(empty)); !reflect.DeepEqual(back, empty) {
		t.Errorf("empty event round trip: %+v", back)
	}
}

func TestFromStoredRefusesOtherTypes(t *testing.T) {
	if _, err := fromStored(&corev1.Pod{}); err == nil {
		t.Fatal("fromStored accepted a pod")
	}
}
